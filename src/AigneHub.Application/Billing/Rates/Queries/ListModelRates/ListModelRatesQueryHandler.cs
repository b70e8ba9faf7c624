namespace AigneHub.Application.Billing.Rates.Queries.ListModelRates;

internal sealed class ListModelRatesQueryHandler(IDocumentStore store) : IQueryHandler<ListModelRatesQuery, IReadOnlyList<RateView>>
{
    public async ValueTask<IReadOnlyList<RateView>> Handle(ListModelRatesQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var rates = query.Provider is { } provider
            ? await session.Query<ModelRate>().Where(r => r.Provider == provider).OrderBy(r => r.Id).ToListAsync(cancellationToken)
            : await session.Query<ModelRate>().OrderBy(r => r.Id).ToListAsync(cancellationToken);
        return rates.Select(RateView.From).ToArray();
    }
}
