using AigneHub.Application.Models;

namespace AigneHub.Application.Models.Queries.ListModelCatalogue;

internal sealed class ListModelCatalogueQueryHandler(IProviderCatalog catalog, IDocumentStore store)
    : IQueryHandler<ListModelCatalogueQuery, IReadOnlyList<ModelCatalogueEntry>>
{
    public async ValueTask<IReadOnlyList<ModelCatalogueEntry>> Handle(ListModelCatalogueQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var rates = await session.Query<ModelRate>().ToListAsync(cancellationToken);
        // Only the names: a provider's configuration also holds its (encrypted) credentials, which this public list never needs.
        var providers = await session.Query<ProviderConfig>().Select(p => new ProviderName(p.Id, p.DisplayName)).ToListAsync(cancellationToken);
        return Join(
            catalog.ListModels(),
            rates.ToDictionary(r => (r.Type, r.Provider, r.Model), r => (r.InputRate, r.OutputRate)),
            providers.ToDictionary(p => p.Id, p => p.DisplayName, StringComparer.Ordinal),
            query.Kind);
    }

    /// <summary>
    /// The models of <paramref name="kind"/> (all when null), ordered by "provider/model", each with its current rate
    /// ((0, 0) when it has none) and its provider's display name: a registered provider's own name when it set one,
    /// otherwise the well-known name.
    /// </summary>
    internal static IReadOnlyList<ModelCatalogueEntry> Join(
        IEnumerable<ModelDescriptor> models,
        IReadOnlyDictionary<(CallType Type, string Provider, string Model), (decimal Input, decimal Output)> rates,
        IReadOnlyDictionary<string, string> registeredDisplayNames,
        ModelKind? kind)
    {
        var entries = new List<ModelCatalogueEntry>();
        foreach (var model in models.OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            if (kind is { } wanted && model.Kind != wanted)
            {
                continue;
            }

            var slash = model.Id.IndexOf('/', StringComparison.Ordinal);
            var id = slash < 0 ? model.Id : model.Id[(slash + 1)..];
            var callType = model.Kind switch { ModelKind.Image => CallType.Image, ModelKind.Embedding => CallType.Embedding, _ => CallType.Chat };
            var (input, output) = rates.TryGetValue((callType, model.OwnedBy, id), out var rate) ? rate : (0m, 0m);
            var displayName = registeredDisplayNames.TryGetValue(model.OwnedBy, out var registered) && !string.IsNullOrWhiteSpace(registered) && registered != model.OwnedBy
                ? registered
                : ProviderNames.DisplayNameOf(model.OwnedBy);
            entries.Add(new ModelCatalogueEntry(id, model.Kind, model.OwnedBy, displayName, input, output, Available: true));
        }

        return entries;
    }

    private sealed record ProviderName(string Id, string DisplayName);
}
