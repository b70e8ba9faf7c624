namespace AigneHub.Domain.Access.Events;

// One stream per user (keyed by the user id) and one per hub access key (keyed by the key id, which is not secret).
// Events carry who did it (a user id or "system") and when. Key secrets never appear: only their SHA-256.

public sealed record UserCreated(string UserId, string DisplayName, string? Email, UserRole Role, string? Subject, string By, DateTimeOffset At);

public sealed record UserRoleChanged(string UserId, UserRole From, UserRole To, string By, DateTimeOffset At);

/// <summary>The user may no longer call the hub: their keys and tokens are refused until <see cref="UserEnabled"/>.</summary>
public sealed record UserDisabled(string UserId, string? Reason, string By, DateTimeOffset At);

public sealed record UserEnabled(string UserId, string By, DateTimeOffset At);

/// <summary>An app (a client id) registered under a user; keys may be issued for it.</summary>
public sealed record AppRegistered(string UserId, string AppId, string Name, string By, DateTimeOffset At);

public sealed record AccessKeyCreated(
    string KeyId,
    string UserId,
    string? AppId,
    string Name,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> AllowedIps,
    DateTimeOffset? ExpiresAt,
    string SecretHash,
    string By,
    DateTimeOffset At,
    int? RequestsPerMinute = null,
    int? TokensPerMinute = null);

/// <summary>The key got a new secret; the key id and its history stay.</summary>
public sealed record AccessKeyRotated(string KeyId, string SecretHash, string By, DateTimeOffset At);

public sealed record AccessKeyRevoked(string KeyId, string? Reason, string By, DateTimeOffset At);
