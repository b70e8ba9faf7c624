using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing.Credits.Commands.RecoverHolds;

internal sealed partial class RecoverHoldsCommandHandler(IDocumentStore store, BillingCache cache, TimeProvider time, ILogger<RecoverHoldsCommandHandler> logger)
    : ICommandHandler<RecoverHoldsCommand, RecoveryReport>
{
    public async ValueTask<RecoveryReport> Handle(RecoverHoldsCommand command, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        IReadOnlyList<CreditAccount> accounts;
        await using (var session = store.QuerySession())
        {
            accounts = await session.Query<CreditAccount>()
                .Where(a => a.Holds.Any(h => h.ExpiresAt <= now) || a.Leases.Any(l => l.ExpiresAt <= now))
                .ToListAsync(cancellationToken);
        }

        var settings = await cache.SettingsAsync(cancellationToken);
        int captured = 0, released = 0, live = 0, leasesReturned = 0;
        foreach (var account in accounts)
        {
            leasesReturned += await ReturnLapsedLeasesAsync(account, settings, now, cancellationToken);
            var overdue = CreditLedger.OverdueHolds(account, now);
            var leases = await LeasesAsync(overdue, cancellationToken);
            foreach (var hold in overdue)
            {
                if (leases.TryGetValue(hold.CallId, out var lease) && lease.IsLive(now))
                {
                    live++;
                    continue;
                }

                var record = await ServedCallAsync(hold.CallId, cancellationToken);
                var rate = record is null ? null : await RateOfAsync(record, cancellationToken);
                IReadOnlyList<object> settled = [];
                await CreditAccounts.ChangeAsync(store, account.UserId, settings, time, current =>
                {
                    settled = Settle(current, hold, record, rate, now);
                    return settled;
                },
                cancellationToken);
                captured += settled.OfType<HoldCaptured>().Count();
                released += settled.OfType<HoldReleased>().Count();
            }
        }

        await ForgetLapsedLeasesAsync(now, cancellationToken);
        if (captured + released + leasesReturned > 0)
        {
            LogRecovered(logger, captured, released, live, leasesReturned);
        }

        return new RecoveryReport(captured, released, live, leasesReturned);
    }

    /// <summary>
    /// Returns the balance leases whose instance stopped renewing them (it died): what is left of them goes back to the
    /// available balance. The captures that instance had not written yet are lost (ADR 0024: at most one flush interval
    /// of its calls); a capture it still writes later is charged from the available balance.
    /// </summary>
    private async Task<int> ReturnLapsedLeasesAsync(CreditAccount account, BillingSettings settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var returned = 0;
        foreach (var lease in CreditLedger.LapsedLeases(account, now))
        {
            await CreditAccounts.ChangeAsync(store, account.UserId, settings, time, current =>
            {
                // Renewed meanwhile: its owner is alive.
                var events = current.Lease(lease.LeaseId) is { } still && still.ExpiresAt <= now
                    ? CreditLedger.ReturnLease(current, lease.LeaseId, 0m, "recovered: its instance stopped renewing it", now)
                    : [];
                returned += events.Count > 0 ? 1 : 0;
                return events;
            },
            cancellationToken);
        }

        return returned;
    }

    /// <summary>The policy: a served call is captured at its recorded usage; any other is released in full.</summary>
    private static IReadOnlyList<object> Settle(CreditAccount current, HoldState hold, CallRecord? record, ModelRate? rate, DateTimeOffset now)
    {
        if (current.Hold(hold.CallId) is null)
        {
            return [];
        }

        if (record is null)
        {
            return CreditLedger.Release(current, hold.CallId, "recovered: the call never completed", now);
        }

        var usage = new TokenUsage(record.PromptTokens, record.CompletionTokens, record.CachedTokens);
        var cost = rate is null ? 0m : RateDecisions.Cost(rate, usage, record.Images);
        var costUsd = rate is null ? (decimal?)null : RateDecisions.CostUsd(rate, usage, record.Images);
        return CreditLedger.Capture(current, new CallCapture(hold.CallId, cost, rate?.Id, rate?.Version, usage, costUsd), now);
    }

    private async Task<IReadOnlyDictionary<string, HoldLease>> LeasesAsync(IReadOnlyList<HoldState> holds, CancellationToken cancellationToken)
    {
        if (holds.Count == 0)
        {
            return new Dictionary<string, HoldLease>();
        }

        await using var session = store.QuerySession();
        var leases = await session.LoadManyAsync<HoldLease>(cancellationToken, holds.Select(h => h.CallId).ToArray());
        return leases.ToDictionary(l => l.Id, StringComparer.Ordinal);
    }

    /// <summary>
    /// The rate version the call record cites (what the call was priced at when it ran), so a rate changed since is not
    /// applied after the fact; the current rate only for a record that cites none.
    /// </summary>
    private async Task<ModelRate?> RateOfAsync(CallRecord record, CancellationToken cancellationToken)
    {
        if (record.RateId is { } rateId && record.RateVersion is { } version)
        {
            await using var session = store.QuerySession();
            if (await session.Events.AggregateStreamAsync<ModelRate>(rateId, version, token: cancellationToken) is { } cited && cited.Version == version)
            {
                return cited;
            }
        }

        return await cache.RateAsync(record.CallType, record.Provider, record.Model, cancellationToken);
    }

    /// <summary>
    /// Deletes leases that lapsed: their holds were settled above (a lease never lapses before its hold's own expiry) or
    /// by their call. A renewal racing this one sets a later expiry and is not deleted.
    /// </summary>
    private async Task ForgetLapsedLeasesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        session.DeleteWhere<HoldLease>(l => l.ExpiresAt <= now);
        // The settlement index keeps what a duplicate or late settlement could still need: a day, as the account did.
        var forgetBefore = now - CreditAccount.SettledRetention;
        session.DeleteWhere<CallSettlement>(s => s.At < forgetBefore);
        // A commit mark is read only by the retry of its own batch, seconds after it.
        var forgetCommitsBefore = now - LedgerCommit.Retention;
        session.DeleteWhere<LedgerCommit>(c => c.At < forgetCommitsBefore);
        await session.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The call's record when it shows the provider produced an answer (served, or cut short by the client).</summary>
    private async Task<CallRecord?> ServedCallAsync(string callId, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(callId, out var id))
        {
            return null;
        }

        await using var session = store.QuerySession();
        var record = await session.LoadAsync<CallRecord>(id, cancellationToken);
        return record is { Status: CallStatus.Succeeded or CallStatus.Cancelled } ? record : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hold recovery settled overdue holds: {Captured} captured from their call records, {Released} released ({Live} still running, left alone); {LeasesReturned} lapsed balance leases returned")]
    private static partial void LogRecovered(ILogger logger, int captured, int released, int live, int leasesReturned);
}
