using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing.Rates.Queries.GetModelRateHistory;

internal sealed class GetModelRateHistoryQueryHandler(IDocumentStore store) : IQueryHandler<GetModelRateHistoryQuery, IReadOnlyList<RateView>>
{
    public async ValueTask<IReadOnlyList<RateView>> Handle(GetModelRateHistoryQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(ModelRate.StreamIdFor(query.Type, query.Provider, query.Model), token: cancellationToken);
        if (events.Count == 0)
        {
            throw new ResourceNotFoundException("model", $"The model '{query.Provider}/{query.Model}' has no {query.Type.ToString().ToLowerInvariant()} rate.");
        }

        return events.Where(e => e.Data is ModelRateSet).Select(e => RateView.From((ModelRateSet)e.Data, (int)e.Version)).ToArray();
    }
}
