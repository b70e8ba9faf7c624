using AigneHub.Application.Models;

namespace AigneHub.Application.Models.Queries.GetModel;

internal sealed class GetModelQueryHandler(IProviderCatalog catalog) : IQueryHandler<GetModelQuery, ModelDescriptor>
{
    public ValueTask<ModelDescriptor> Handle(GetModelQuery query, CancellationToken cancellationToken) =>
        catalog.ListModels().FirstOrDefault(m => string.Equals(m.Id, query.Id, StringComparison.Ordinal)) is { } model
            ? ValueTask.FromResult(model)
            : throw new ModelNotFoundException(query.Id, $"The model '{query.Id}' does not exist or no enabled provider lists it.");
}
