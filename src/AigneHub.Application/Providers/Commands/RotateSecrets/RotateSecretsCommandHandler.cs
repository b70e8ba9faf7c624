using System.Security.Cryptography;
using AigneHub.Domain.Secrets;

namespace AigneHub.Application.Providers.Commands.RotateSecrets;

internal sealed partial class RotateSecretsCommandHandler(
    IDocumentStore store,
    ISecretProtector protector,
    TimeProvider time,
    ILogger<RotateSecretsCommandHandler> logger) : ICommandHandler<RotateSecretsCommand, RotateSecretsResult>
{
    public async ValueTask<RotateSecretsResult> Handle(RotateSecretsCommand command, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> providers;
        await using (var session = store.QuerySession())
        {
            providers = await session.Query<ProviderConfig>().Select(p => p.Id).ToListAsync(cancellationToken);
        }

        var rotations = new List<ProviderRotation>(providers.Count);
        foreach (var provider in providers.Order(StringComparer.Ordinal))
        {
            rotations.Add(command.DryRun
                ? Rotate(await ProviderStreams.LoadConfigAsync(store, provider, cancellationToken), dryRun: true).Rotation
                : await RotateAsync(provider, cancellationToken));
        }

        var result = new RotateSecretsResult(
            command.DryRun,
            protector.ActiveKeyId,
            rotations.Sum(r => r.Examined),
            rotations.Sum(r => r.ReEncrypted),
            rotations.Sum(r => r.AlreadyCurrent),
            [.. rotations.SelectMany(r => r.Failures)],
            rotations);
        LogRotated(logger, command.Actor, command.DryRun, result.ActiveKeyId, result.Examined, result.ReEncrypted, result.AlreadyCurrent, result.Failed);
        return result;
    }

    /// <summary>
    /// Re-encrypts one provider's credentials in one append. A concurrent writer (an operator, another instance
    /// rotating too) makes the decision run again on the newer state, where a credential already moved to the active
    /// key needs nothing.
    /// </summary>
    private async Task<ProviderRotation> RotateAsync(string provider, CancellationToken cancellationToken)
    {
        ProviderRotation? rotation = null;
        await ProviderStreams.ObserveAsync(store, provider, current =>
        {
            (rotation, var events) = Rotate(current, dryRun: false);
            return events;
        }, cancellationToken);
        return rotation!;
    }

    private (ProviderRotation Rotation, IReadOnlyList<object> Events) Rotate(ProviderConfig config, bool dryRun)
    {
        var events = new List<object>();
        var failures = new List<RotationFailure>();
        int current = 0, moved = 0;
        var at = time.GetUtcNow();
        foreach (var credential in config.Credentials)
        {
            if (!protector.NeedsRotation(credential.Secret))
            {
                current++;
                continue;
            }

            if (ReEncrypt(config.Id, credential.Id, credential.Secret) is not { } reEncrypted)
            {
                failures.Add(new RotationFailure(config.Id, credential.Id, credential.Secret.KeyId));
                continue;
            }

            moved++;
            if (!dryRun)
            {
                events.Add(ProviderDecisions.ReEncrypt(config, credential.Id, reEncrypted, at));
            }
        }

        return (new ProviderRotation(config.Id, config.Credentials.Count, moved, current, failures), events);
    }

    /// <summary>
    /// The secret encrypted with the active key, or null when its own key cannot decrypt it. The plaintext lives only
    /// in this method; the protector's exceptions name the key, never the data.
    /// </summary>
    private EncryptedSecret? ReEncrypt(string provider, Guid credentialId, EncryptedSecret secret)
    {
        var purpose = SecretPurposes.ProviderCredential(credentialId);
        try
        {
            return protector.Protect(protector.Unprotect(secret, purpose), purpose);
        }
        catch (Exception ex) when (ex is HubException or CryptographicException)
        {
            LogUndecryptable(logger, ex, provider, credentialId, secret.KeyId);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Secret rotation by {Actor} (dry run: {DryRun}) to key {ActiveKeyId}: {Examined} credentials examined, {ReEncrypted} re-encrypted, {AlreadyCurrent} already current, {Failed} failed")]
    private static partial void LogRotated(ILogger logger, string actor, bool dryRun, string activeKeyId, int examined, int reEncrypted, int alreadyCurrent, int failed);

    [LoggerMessage(Level = LogLevel.Error, Message = "Credential {CredentialId} of {Provider} cannot be decrypted with key {KeyId}; it keeps its old encryption")]
    private static partial void LogUndecryptable(ILogger logger, Exception exception, string provider, Guid credentialId, string keyId);
}
