namespace AigneHub.Application.Providers;

/// <summary>
/// A live check of one stored credential: decrypt it, probe its upstream through the adapter of the provider's
/// protocol, and record the answer on the provider's stream (with whatever follows from it, e.g. a revival).
/// </summary>
internal sealed class CredentialChecks(IDocumentStore store, ISecretProtector protector, IProviderProbes probes, TimeProvider time)
{
    /// <summary>
    /// The probe's answer, or null when the hub cannot probe this provider. A stored value that must not be sent
    /// upstream (<see cref="UpstreamValues"/>) fails the check without a probe.
    /// </summary>
    public async Task<ProbeResult?> ProbeAsync(ProviderConfig config, ProviderCredentialState credential, CancellationToken cancellationToken)
    {
        var decrypted = ProviderCredentials.Decrypt(protector, credential);
        if ((UpstreamValues.UnsendableEndpointField(config.BaseUrl, config.Region) ?? UpstreamValues.UnsendableField(decrypted)) is { } field)
        {
            return new ProbeResult(false, null, Domain.Usage.ErrorKind.InvalidRequest, UpstreamValues.Refusal(field));
        }

        return await probes.ProbeAsync(config.Id, config.BaseUrl, config.Region, decrypted, cancellationToken);
    }

    /// <summary>Records the answer as a <c>CredentialTested</c> event by <paramref name="actor"/>.</summary>
    public Task<ProviderView> RecordAsync(string provider, Guid credentialId, ProbeResult result, string actor, CancellationToken cancellationToken) =>
        ProviderStreams.ObserveAsync(store, provider, current =>
            [ProviderDecisions.RecordTest(current, new(credentialId, result.Ok, result.UpstreamStatus, result.Message), actor, time.GetUtcNow())],
            cancellationToken);
}
