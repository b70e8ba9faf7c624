namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>
/// Every provider profile registered in the container (<see cref="ProviderProfile"/> singletons), by provider name.
/// Adapters look up a target's quirks here; a later registration for the same provider replaces an earlier one.
/// </summary>
internal sealed class ProviderProfiles
{
    private readonly Dictionary<string, ProviderProfile> _byProvider = new(StringComparer.Ordinal);

    public ProviderProfiles(IEnumerable<ProviderProfile> profiles)
    {
        foreach (var profile in profiles)
        {
            _byProvider[profile.Provider] = profile;
        }
    }

    public ProviderProfile? Find(string provider) => _byProvider.GetValueOrDefault(provider);

    /// <summary>Where a provider is called: its configured base URL, else its profile's default; null when it has neither.</summary>
    public Uri? BaseUrlFor(string provider, string? configuredBaseUrl, string? region)
    {
        if (configuredBaseUrl is { } configured)
        {
            return new Uri(configured, UriKind.Absolute);
        }

        var profile = Find(provider);
        return profile?.DefaultBaseUrl ?? profile?.RegionalBaseUrl?.Invoke(region);
    }
}
