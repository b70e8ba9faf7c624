namespace AigneHub.Application.Providers.Queries.ListProviders;

internal sealed class ListProvidersQueryHandler(IDocumentStore store) : IQueryHandler<ListProvidersQuery, IReadOnlyList<ProviderView>>
{
    public async ValueTask<IReadOnlyList<ProviderView>> Handle(ListProvidersQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var configs = await session.Query<ProviderConfig>().OrderBy(p => p.Id).ToListAsync(cancellationToken);
        return configs.Select(ProviderView.From).ToArray();
    }
}
