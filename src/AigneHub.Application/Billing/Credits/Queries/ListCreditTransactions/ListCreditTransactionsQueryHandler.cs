namespace AigneHub.Application.Billing.Credits.Queries.ListCreditTransactions;

internal sealed class ListCreditTransactionsQueryHandler(IDocumentStore store) : IQueryHandler<ListCreditTransactionsQuery, CreditTransactionPage>
{
    public async ValueTask<CreditTransactionPage> Handle(ListCreditTransactionsQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var streamId = CreditAccount.StreamIdFor(await CreditRecipients.AccountOwnerAsync(session, query.UserId, cancellationToken));
        var before = query.BeforeVersion ?? int.MaxValue;
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == streamId && e.Version < before)
            .OrderByDescending(e => e.Version)
            .Take(query.Limit + 1)
            .ToListAsync(cancellationToken);
        var page = events.Take(query.Limit).ToArray();
        var transactions = page.Select(e => CreditTransactionView.From(e.Data, (int)e.Version)).OfType<CreditTransactionView>().ToArray();
        return new CreditTransactionPage(transactions, events.Count > query.Limit ? (int)page[^1].Version : null);
    }
}
