using AigneHub.Application.Abstractions;
using AigneHub.Domain.Models;

namespace AigneHub.Infrastructure.Providers;

/// <summary>
/// The enabled providers from configuration, in registration order (which is routing priority for bare names).
/// Built once: the providers issue replaces it with a snapshot refreshed from the provider event streams.
/// </summary>
internal sealed class ProviderCatalog : IProviderCatalog
{
    private readonly IChatProvider[] _providers;
    private readonly Dictionary<string, IChatProvider[]> _byName;

    public ProviderCatalog(IEnumerable<IChatProvider> providers)
    {
        _providers = providers.ToArray();
        _byName = _providers.GroupBy(p => p.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
    }

    public IReadOnlyList<IChatProvider> Resolve(ModelName model)
    {
        if (model.Provider is { } provider)
        {
            return _byName.TryGetValue(provider, out var named) ? named.Where(p => p.Serves(model.Model)).ToArray() : [];
        }

        return _providers.Where(p => p.Serves(model.Model)).ToArray();
    }

    public bool IsEnabled(string provider) => _byName.ContainsKey(provider);
}
