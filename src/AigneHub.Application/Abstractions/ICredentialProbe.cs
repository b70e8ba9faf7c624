namespace AigneHub.Application.Abstractions;

/// <summary>
/// A protocol's cheapest authenticated call (listing the upstream's models), to learn whether a credential works
/// without spending tokens. Implemented by the adapters that can; a failure is an answer, not an exception: only the
/// caller's cancellation throws.
/// </summary>
public interface ICredentialProbe
{
    Task<ProbeResult> ProbeAsync(ProviderTarget target, CancellationToken cancellationToken);
}

/// <summary>What a probe learned.</summary>
/// <param name="UpstreamStatus">The upstream's HTTP status when it answered; null when it could not be reached or timed out.</param>
/// <param name="ErrorKind">How the probe failed, as the adapters classify call failures; <see cref="ErrorKind.None"/> when it passed.</param>
/// <param name="Message">Safe to show and store: the hub's words, never the upstream's body or a secret. Null when it passed.</param>
public sealed record ProbeResult(bool Ok, int? UpstreamStatus, ErrorKind ErrorKind, string? Message)
{
    public static ProbeResult Passed(int status) => new(true, status, ErrorKind.None, null);
}

/// <summary>Probes a credential of a provider by the provider's name, through the adapter of its protocol.</summary>
public interface IProviderProbes
{
    /// <summary>The result, or null when the hub cannot probe this provider (its protocol has no probe, or it has no endpoint).</summary>
    /// <param name="configuredBaseUrl">The provider's configured base URL; null for its public default.</param>
    Task<ProbeResult?> ProbeAsync(string provider, string? configuredBaseUrl, string? region, ProviderCredential credential, CancellationToken cancellationToken);
}
