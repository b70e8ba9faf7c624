using AigneHub.Domain.Secrets;

namespace AigneHub.Application.Providers.Commands.AddCredential;

internal sealed partial class AddCredentialCommandHandler(
    IDocumentStore store,
    ISecretProtector protector,
    CredentialChecks checks,
    TimeProvider time,
    ILogger<AddCredentialCommandHandler> logger)
    : ICommandHandler<AddCredentialCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(AddCredentialCommand command, CancellationToken cancellationToken)
    {
        var credentialId = Guid.CreateVersion7();
        var (kind, secret, shown) = command.ApiKey is { } apiKey
            ? (CredentialKind.ApiKey, apiKey, apiKey)
            : (CredentialKind.AccessKeyPair, command.SecretAccessKey!, command.SecretAccessKey!);
        var encrypted = protector.Protect(secret, SecretPurposes.ProviderCredential(credentialId));
        var masked = SecretMask.Mask(shown);

        var added = await ProviderStreams.ChangeAsync(store, command.Provider, command.ExpectedVersion, current =>
            [ProviderDecisions.AddCredential(
                current, new NewCredential(credentialId, command.Name, kind, command.Weight, encrypted, masked, command.AccessKeyId), command.Actor, time.GetUtcNow())],
            cancellationToken);
        return await CheckAsync(added, credentialId, command.Actor, cancellationToken);
    }

    /// <summary>
    /// Probes the new credential at once so the operator sees whether it works. The credential is stored whatever
    /// happens here: a probe that cannot run or be recorded leaves it untested.
    /// </summary>
    private async Task<ProviderView> CheckAsync(ProviderView added, Guid credentialId, string actor, CancellationToken cancellationToken)
    {
        try
        {
            var config = await ProviderStreams.LoadConfigAsync(store, added.Provider, cancellationToken);
            if (config.Credential(credentialId) is not { } credential
                || await checks.ProbeAsync(config, credential, cancellationToken) is not { } result)
            {
                return added;
            }

            return await checks.RecordAsync(added.Provider, credentialId, result, actor, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogCheckFailed(logger, ex, added.Provider, credentialId);
            return added;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check the new credential {CredentialId} of {Provider}; it was added untested")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string provider, Guid credentialId);
}
