using AigneHub.Application.Abstractions;
using AigneHub.Domain.Providers;
using Marten;

namespace AigneHub.Application.Providers.Common;

/// <summary>
/// A live check of one stored credential: decrypt it, probe its upstream through the adapter of the provider's
/// protocol, and record the answer on the provider's stream (with whatever follows from it, e.g. a revival).
/// </summary>
internal sealed class CredentialChecks(IDocumentStore store, ISecretProtector protector, IProviderProbes probes, TimeProvider time)
{
    /// <summary>The probe's answer, or null when the hub cannot probe this provider.</summary>
    public async Task<ProbeResult?> ProbeAsync(ProviderConfig config, ProviderCredentialState credential, CancellationToken cancellationToken) =>
        await probes.ProbeAsync(config.Id, config.BaseUrl, config.Region, ProviderCredentials.Decrypt(protector, credential), cancellationToken);

    /// <summary>Records the answer as a <c>CredentialTested</c> event by <paramref name="actor"/>.</summary>
    public Task<ProviderView> RecordAsync(string provider, Guid credentialId, ProbeResult result, string actor, CancellationToken cancellationToken) =>
        ProviderStreams.ObserveAsync(store, provider, current =>
            [DomainRules.Run(() => ProviderDecisions.RecordTest(current, credentialId, result.Ok, result.UpstreamStatus, result.Message, actor, time.GetUtcNow()))],
            cancellationToken);
}
