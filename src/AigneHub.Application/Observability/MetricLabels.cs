using System.Collections.Frozen;

namespace AigneHub.Application.Observability;

/// <summary>
/// The values the provider and model labels of the hub's metrics may take: only what the hub itself knows, never a
/// name verbatim from a client. A provider label is one of the providers the hub has adapters for (a client can only
/// name those: any other prefix is part of a bare model name), or empty for a bare name no provider took. A model
/// label is a model the hub lists (the models list of <c>GET /v1/models</c>: the demo's, each routable provider's
/// known models, a configured provider's <c>Models</c>), and <see cref="Other"/> for every other name, so made-up
/// model names cannot grow the number of series. The list is read again, at most every
/// <see cref="RefreshAfterMiss"/>, when a name is not in it (a provider registered since).
/// </summary>
public sealed class MetricLabels(IProviderCatalog catalog, TimeProvider time)
{
    /// <summary>The label of every name the hub does not know.</summary>
    public const string Other = "other";

    public static readonly TimeSpan RefreshAfterMiss = TimeSpan.FromSeconds(10);

    private volatile Known? _known;

    /// <summary>The provider label: a provider the hub has an adapter for, empty (none), or <see cref="Other"/>.</summary>
    public static string Provider(string provider) =>
        provider.Length == 0 || ProviderNames.IsKnown(provider) ? provider : Other;

    /// <summary>The model label of a call to <paramref name="model"/> (the provider's own id) at <paramref name="provider"/>.</summary>
    public string Model(string provider, string model)
    {
        if (model.Length == 0)
        {
            return model;
        }

        if (provider.Length > 0 && !ProviderNames.IsKnown(provider))
        {
            return Other;
        }

        var known = _known;
        if (known is not null && known.Lists(provider, model))
        {
            return model;
        }

        if (known is null || time.GetUtcNow() - known.ReadAt >= RefreshAfterMiss)
        {
            known = Read();
            _known = known;
        }

        return known.Lists(provider, model) ? model : Other;
    }

    private Known Read()
    {
        var byProvider = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal) { [string.Empty] = new(StringComparer.Ordinal) };
        foreach (var listed in catalog.ListModels())
        {
            var slash = listed.Id.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                continue;
            }

            var model = listed.Id[(slash + 1)..];
            var provider = listed.Id[..slash];
            if (!byProvider.TryGetValue(provider, out var models))
            {
                byProvider[provider] = models = new HashSet<string>(StringComparer.Ordinal);
            }

            models.Add(model);

            // A bare name that no provider took is recorded without a provider: it is known when some provider lists it.
            byProvider[string.Empty].Add(model);
        }

        return new Known(byProvider.ToFrozenDictionary(p => p.Key, p => p.Value.ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal), time.GetUtcNow());
    }

    private sealed record Known(FrozenDictionary<string, FrozenSet<string>> ByProvider, DateTimeOffset ReadAt)
    {
        public bool Lists(string provider, string model) => ByProvider.TryGetValue(provider, out var models) && models.Contains(model);
    }
}
