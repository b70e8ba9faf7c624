using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing.Credits.Queries.GetCreditBalance;

internal sealed class GetCreditBalanceQueryHandler(IDocumentStore store, BalanceLeases? leases = null) : IQueryHandler<GetCreditBalanceQuery, CreditBalanceView>
{
    public async ValueTask<CreditBalanceView> Handle(GetCreditBalanceQuery query, CancellationToken cancellationToken)
    {
        // Calls this instance served from a balance lease are captured behind their answers: write them first, so the
        // balance shows every call this instance answered.
        if (leases is not null)
        {
            await leases.FlushAsync();
        }

        await using var session = store.QuerySession();
        var settings = await BillingStreams.LoadSettingsAsync(session, cancellationToken);
        var userId = await CreditRecipients.AccountOwnerAsync(session, query.UserId, cancellationToken);
        var streamId = CreditAccount.StreamIdFor(userId);
        var account = query.AsOf is { } asOf
            ? await AsOfAsync(session, streamId, asOf, cancellationToken)
            : await session.LoadAsync<CreditAccount>(streamId, cancellationToken);
        return CreditBalanceView.From(userId, account, settings.CurrencyPrefix);
    }

    /// <summary>
    /// The account replayed over its entries up to <paramref name="asOf"/>, by each entry's own <c>at</c> (the time the
    /// ledger shows), inclusive: the ledger up to the last entry at or before that moment. Not by the time the database
    /// stored the entry, which is always a little later than its <c>at</c>.
    /// </summary>
    private static async Task<CreditAccount?> AsOfAsync(IQuerySession session, string streamId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var entries = await session.Events.FetchStreamAsync(streamId, token: cancellationToken);
        var version = entries.TakeWhile(e => e.Data is ICreditLedgerEntry entry && entry.At <= asOf).LastOrDefault()?.Version ?? 0;
        return version == 0 ? null : await session.Events.AggregateStreamAsync<CreditAccount>(streamId, version, token: cancellationToken);
    }
}
