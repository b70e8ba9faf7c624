namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>
/// Probes a provider's credential through the adapter that speaks the provider's protocol, at the provider's
/// configured endpoint or its profile's default. A protocol whose adapter has no probe cannot be checked.
/// </summary>
internal sealed class ProbeRegistry(ChatAdapterRegistry adapters, ProviderProfiles profiles) : IProviderProbes
{
    public async Task<ProbeResult?> ProbeAsync(
        string provider,
        string? configuredBaseUrl,
        string? region,
        ProviderCredential credential,
        CancellationToken cancellationToken)
    {
        if (!adapters.CanResolve(provider)
            || adapters.Resolve(provider) is not ICredentialProbe probe
            || profiles.BaseUrlFor(provider, configuredBaseUrl, region) is not { } baseUrl)
        {
            return null;
        }

        return await probe.ProbeAsync(new ProviderTarget(provider, baseUrl, region, credential), cancellationToken).ConfigureAwait(false);
    }
}
