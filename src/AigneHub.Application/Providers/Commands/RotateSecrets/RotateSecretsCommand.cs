namespace AigneHub.Application.Providers.Commands.RotateSecrets;

/// <summary>
/// Re-encrypts every stored credential secret that a key other than the active one encrypted, so the old keys can
/// leave the ring. Each credential gets one <c>CredentialSecretReEncrypted</c> event; running it again finds nothing
/// to do. With <paramref name="DryRun"/> it only counts: it decrypts each secret to prove that it could, and writes
/// nothing.
/// </summary>
/// <param name="Actor">Who asked for the rotation, for the log.</param>
public sealed record RotateSecretsCommand(bool DryRun, string Actor) : ICommand<RotateSecretsResult>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => "secrets";
}

/// <param name="Examined">Credentials looked at, across all registered providers.</param>
/// <param name="ReEncrypted">Credentials moved to the active key (in a dry run: those that would be).</param>
/// <param name="AlreadyCurrent">Credentials already encrypted with the active key.</param>
/// <param name="Failures">Credentials whose secret could not be decrypted, e.g. because their key left the ring.</param>
/// <param name="Providers">The same counts per provider.</param>
public sealed record RotateSecretsResult(
    bool DryRun,
    string ActiveKeyId,
    int Examined,
    int ReEncrypted,
    int AlreadyCurrent,
    IReadOnlyList<RotationFailure> Failures,
    IReadOnlyList<ProviderRotation> Providers)
{
    public int Failed => Failures.Count;
}

/// <summary>What the rotation did to one provider's credentials. It holds no secret.</summary>
public sealed record ProviderRotation(string Provider, int Examined, int ReEncrypted, int AlreadyCurrent, IReadOnlyList<RotationFailure> Failures);

/// <summary>A credential left as it was: its secret names <paramref name="KeyId"/>, which could not decrypt it.</summary>
public sealed record RotationFailure(string Provider, Guid CredentialId, string KeyId);
