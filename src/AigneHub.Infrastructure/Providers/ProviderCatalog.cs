using AigneHub.Application.Abstractions;
using AigneHub.Domain.Models;
using AigneHub.Infrastructure.Providers.Registered;

namespace AigneHub.Infrastructure.Providers;

/// <summary>
/// The providers a call can go to: those registered through the admin API (a snapshot kept current from their event
/// streams) and those from configuration (the demo, and keys given in settings). A registered provider takes the place
/// of a configured one of the same name, even while it is disabled or has no usable credential. Bare model names try registered providers (by their vendors' model naming)
/// first, then configured ones in registration order.
/// </summary>
internal sealed class ProviderCatalog(IEnumerable<IChatProvider> configured, RegisteredProviders registered) : IProviderCatalog
{
    private readonly IChatProvider[] _configured = configured.ToArray();

    public IReadOnlyList<IChatProvider> Resolve(ModelName model)
    {
        var current = registered.Current;
        if (model.Provider is { } provider)
        {
            foreach (var candidate in current)
            {
                if (candidate.Name == provider)
                {
                    return [candidate];
                }
            }

            return registered.IsRegistered(provider)
                ? []
                : _configured.Where(p => p.Name == provider && p.Serves(model.Model)).ToArray();
        }

        var result = new List<IChatProvider>();
        result.AddRange(current.Where(p => p.ServesBare(model.Model)));
        result.AddRange(_configured.Where(p => p.Serves(model.Model) && !registered.IsRegistered(p.Name)));
        return result;
    }

    public ProviderAvailability Availability(string provider) =>
        registered.Current.Any(p => p.Name == provider) ? ProviderAvailability.Ready
        : registered.IsRegistered(provider) ? ProviderAvailability.Unusable
        : _configured.Any(p => p.Name == provider) ? ProviderAvailability.Ready
        : ProviderAvailability.NotConfigured;
}
