namespace AigneHub.Domain.Access;

/// <summary>
/// A request for a new key, as <see cref="AccessDecisions.CreateKey"/> takes it. An empty allow-list or address list,
/// a null expiry or app means "as the asking key has it" (see <see cref="Delegation.Inherit"/>); a null limit means the
/// hub's default.
/// </summary>
public sealed record NewAccessKey(
    string KeyId,
    string? AppId,
    string Name,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> AllowedIps,
    DateTimeOffset? ExpiresAt,
    KeyLimits Limits,
    string SecretHash);
