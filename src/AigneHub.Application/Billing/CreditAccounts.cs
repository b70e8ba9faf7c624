using JasperFx;

namespace AigneHub.Application.Billing;

/// <summary>
/// The one way credit accounts are written. Writers of one account serialise on the account's stream row (Marten's
/// exclusive FetchForExclusiveWriting takes a row lock for the transaction), so every decision sees the balance that
/// all earlier holds and captures left, and concurrent calls can never spend the same credits twice. An account is
/// opened, with the new-user grant, by whichever writer comes first; the others find it open.
/// </summary>
internal static class CreditAccounts
{
    private const int MaxAttempts = 8;

    public static async Task<CreditAccount?> LoadAsync(IDocumentStore store, string userId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(userId), cancellationToken);
    }

    /// <summary>Opens the account if it does not exist yet, then appends what <paramref name="decide"/> returns.</summary>
    public static async Task<CreditAccount> ChangeAsync(
        IDocumentStore store,
        string userId,
        BillingSettings settings,
        TimeProvider time,
        Func<CreditAccount, IReadOnlyList<object>> decide,
        CancellationToken cancellationToken)
    {
        var streamId = CreditAccount.StreamIdFor(userId);
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            try
            {
                if (await session.LoadAsync<CreditAccount>(streamId, cancellationToken) is null)
                {
                    await OpenAsync(session, userId, settings, time, cancellationToken);
                    continue;
                }

                var stream = await session.Events.FetchForExclusiveWriting<CreditAccount>(streamId, cancellationToken);
                var current = stream.Aggregate ?? throw new InvalidOperationException($"The credit account {streamId} has no state.");
                var events = decide(current);
                if (events.Count == 0)
                {
                    return current;
                }

                stream.AppendMany(events);
                await CallSettlements.RecordAsync(session, streamId, events, cancellationToken);
                await session.SaveChangesAsync(cancellationToken);
                return await LoadAsync(store, userId, cancellationToken) ?? current;
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                // Another writer opened the account or appended first: decide again on what they wrote.
            }
            catch (ConcurrencyException)
            {
                throw new ConflictException($"The credit account of '{userId}' kept changing while the hub wrote to it; try again.");
            }
        }
    }

    /// <summary>Grants credits, once per reference; tells whether this call granted them (false: an earlier one did).</summary>
    public static async Task<(bool Granted, CreditAccount Account)> GrantAsync(
        IDocumentStore store, string userId, BillingSettings settings, TimeProvider time, NewGrant grant, string by, CancellationToken cancellationToken)
    {
        var granted = false;
        var account = await ChangeAsync(store, userId, settings, time, current =>
        {
            var events = DomainRules.Run(() => CreditLedger.Grant(current, grant, by, time.GetUtcNow()));
            granted = events.Count > 0;
            return events;
        },
        cancellationToken);
        return (granted, account);
    }

    private static async Task OpenAsync(IDocumentSession session, string userId, BillingSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        var opened = CreditLedger.Open(null, userId, settings, Guid.CreateVersion7(), time.GetUtcNow());
        session.Events.StartStream<CreditAccount>(CreditAccount.StreamIdFor(userId), opened);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            // Another call opened it first (with the one welcome grant); go on with theirs.
        }
    }
}
