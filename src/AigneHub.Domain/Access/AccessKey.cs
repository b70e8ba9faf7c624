namespace AigneHub.Domain.Access;

/// <summary>
/// A hub access key as its stream says (stream key: the key id). Holds only the SHA-256 of the secret. Built only by
/// <see cref="Create"/> and the Apply methods; kept as an inline snapshot that the key cache and the admin API read.
/// </summary>
public sealed class AccessKey
{
    public string Id { get; set; } = string.Empty;

    public int Version { get; set; }

    public string UserId { get; private set; } = string.Empty;

    public string? AppId { get; private set; }

    public string Name { get; private set; } = string.Empty;

    public IReadOnlyList<string> Scopes { get; private set; } = [];

    /// <summary>Model patterns the key may call; empty means every model.</summary>
    public IReadOnlyList<string> Models { get; private set; } = [];

    /// <summary>CIDR blocks the key may be used from; empty means anywhere (global IP rules still apply).</summary>
    public IReadOnlyList<string> AllowedIps { get; private set; } = [];

    public DateTimeOffset? ExpiresAt { get; private set; }

    public string SecretHash { get; private set; } = string.Empty;

    /// <summary>This key's own request limit per minute, replacing the configured default; null uses the default.</summary>
    public int? RequestsPerMinute { get; private set; }

    /// <summary>This key's own token limit per minute, replacing the configured default; null uses the default.</summary>
    public int? TokensPerMinute { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? RotatedAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    public string? RevokedReason { get; private set; }

    public bool IsRevoked => RevokedAt is not null;

    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt is { } expires && expires <= now;

    public static AccessKey Create(AccessKeyCreated e) => new()
    {
        Id = e.KeyId,
        UserId = e.UserId,
        AppId = e.AppId,
        Name = e.Name,
        Scopes = e.Scopes,
        Models = e.Models,
        AllowedIps = e.AllowedIps,
        ExpiresAt = e.ExpiresAt,
        SecretHash = e.SecretHash,
        RequestsPerMinute = e.RequestsPerMinute,
        TokensPerMinute = e.TokensPerMinute,
        CreatedAt = e.At,
    };

    public void Apply(AccessKeyRotated e)
    {
        SecretHash = e.SecretHash;
        RotatedAt = e.At;
    }

    public void Apply(AccessKeyRevoked e)
    {
        RevokedAt = e.At;
        RevokedReason = e.Reason;
    }
}

/// <summary>When a key was last used: written in batches off the call path, so it is a document, not an event.</summary>
public sealed class AccessKeyLastUse
{
    public string Id { get; set; } = string.Empty;

    public DateTimeOffset At { get; set; }
}
