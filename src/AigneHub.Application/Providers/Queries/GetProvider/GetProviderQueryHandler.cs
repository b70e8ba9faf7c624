namespace AigneHub.Application.Providers.Queries.GetProvider;

internal sealed class GetProviderQueryHandler(IDocumentStore store) : IQueryHandler<GetProviderQuery, ProviderView>
{
    public async ValueTask<ProviderView> Handle(GetProviderQuery query, CancellationToken cancellationToken) =>
        await ProviderStreams.LoadAsync(store, query.Provider, cancellationToken);
}
