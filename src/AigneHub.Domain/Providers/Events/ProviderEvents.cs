namespace AigneHub.Domain.Providers.Events;

// One stream per provider, keyed by its name. Events carry who did it (an actor id or "system") and when. Secrets
// appear only encrypted, next to the masked form that is safe to show.

public sealed record ProviderRegistered(string Provider, string DisplayName, string? BaseUrl, string? Region, string By, DateTimeOffset At);

public sealed record ProviderEndpointChanged(string? BaseUrl, string? Region, string By, DateTimeOffset At);

public sealed record ProviderEnabled(string By, DateTimeOffset At);

public sealed record ProviderDisabled(string Reason, string By, DateTimeOffset At);

public sealed record CredentialAdded(
    Guid CredentialId,
    string Name,
    CredentialKind Kind,
    int Weight,
    EncryptedSecret Secret,
    string MaskedSecret,
    string? AccessKeyId,
    string By,
    DateTimeOffset At);

public sealed record CredentialWeightChanged(Guid CredentialId, int Weight, string By, DateTimeOffset At);

/// <param name="UpstreamStatus">The upstream HTTP status that disabled it (401/403), or null when an operator did.</param>
public sealed record CredentialDisabled(Guid CredentialId, string Reason, int? UpstreamStatus, string By, DateTimeOffset At);

public sealed record CredentialReEnabled(Guid CredentialId, string By, DateTimeOffset At);

public sealed record CredentialRemoved(Guid CredentialId, string By, DateTimeOffset At);

/// <summary>
/// A live check of a credential against its upstream (an operator's test, the check after it was added, or the
/// re-check of a refused credential): an observation, so it changes nothing but what the admin API shows and how long
/// the next re-check of a refused credential waits.
/// </summary>
/// <param name="UpstreamStatus">The upstream's HTTP status when it answered with an error; null when it did not answer.</param>
/// <param name="Message">Why the check failed, in the hub's words (never the upstream's body or a secret); null when it passed.</param>
public sealed record CredentialTested(Guid CredentialId, bool Ok, int? UpstreamStatus, string? Message, string By, DateTimeOffset At);

/// <summary>The same secret, encrypted again under the active key (key rotation): the plaintext did not change.</summary>
public sealed record CredentialSecretReEncrypted(Guid CredentialId, EncryptedSecret Secret, DateTimeOffset At);
