using AigneHub.Application.Models;

namespace AigneHub.Application.Models.Queries.ListModels;

internal sealed class ListModelsQueryHandler(IProviderCatalog catalog) : IQueryHandler<ListModelsQuery, IReadOnlyList<ModelDescriptor>>
{
    public ValueTask<IReadOnlyList<ModelDescriptor>> Handle(ListModelsQuery query, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<ModelDescriptor>>(
            catalog.ListModels().OrderBy(m => m.Id, StringComparer.Ordinal).ToArray());
}
