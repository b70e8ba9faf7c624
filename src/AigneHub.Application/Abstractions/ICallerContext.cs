namespace AigneHub.Application.Abstractions;

/// <summary>Who is making the current call, as the edge authenticated them; null when nobody is authenticated.</summary>
public interface ICallerContext
{
    Caller? Current { get; }
}

/// <summary>An authenticated caller.</summary>
/// <param name="UserId">The user the call is made for (and whose credit account pays for it).</param>
/// <param name="Role">The user's role.</param>
/// <param name="KeyId">The hub access key's id (not secret) when the caller used a key; null for a bearer token.</param>
/// <param name="AppId">The calling app's client id when known (x-aigne-hub-client-did or the key's app).</param>
/// <param name="Scopes">What the credential allows: "inference", "admin:read", "admin:write".</param>
/// <param name="Models">The key's model allow-list (patterns such as "openai/*"); null or empty allows every model.</param>
/// <param name="ExpiresAt">When the key expires; null for a key without expiry and for a bearer token.</param>
/// <param name="AllowedIps">The key's address ranges (CIDR); null or empty: anywhere.</param>
/// <param name="RequestsPerMinute">The key's own request limit; null: the configured default applies.</param>
/// <param name="TokensPerMinute">The key's own token limit; null: the configured default applies.</param>
/// <param name="KeyAppId">The app the key is bound to (its app_id); unlike <paramref name="AppId"/>, no header changes it.</param>
public sealed record Caller(
    string UserId,
    UserRole Role,
    string? KeyId,
    string? AppId,
    IReadOnlySet<string> Scopes,
    IReadOnlyList<string>? Models = null,
    DateTimeOffset? ExpiresAt = null,
    IReadOnlyList<string>? AllowedIps = null,
    int? RequestsPerMinute = null,
    int? TokensPerMinute = null,
    string? KeyAppId = null)
{
    /// <summary>What events and the audit trail record as "by": the user, and the key when one was used.</summary>
    public string Actor => KeyId is null ? UserId : $"{UserId} (key {KeyId})";

    /// <summary>A hub admin or owner acting with admin:write (<see cref="KeyScopes.ManagesHub"/>).</summary>
    public bool ManagesHub => KeyScopes.ManagesHub(Role, Scopes);

    /// <summary>A hub admin or owner acting with an admin scope (<see cref="KeyScopes.ReadsHub"/>).</summary>
    public bool ReadsHub => KeyScopes.ReadsHub(Role, Scopes);
}
