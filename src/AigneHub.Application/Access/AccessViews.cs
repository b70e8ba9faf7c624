namespace AigneHub.Application.Access;

public sealed record UserView(
    string Id,
    int Version,
    string DisplayName,
    string? Email,
    UserRole Role,
    string? Subject,
    IReadOnlyList<HubApp> Apps,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DisabledAt = null,
    string? DisabledReason = null)
{
    public static UserView From(HubUser user) =>
        new(user.Id, user.Version, user.DisplayName, user.Email, user.Role, user.Subject, user.Apps, user.CreatedAt, user.UpdatedAt, user.DisabledAt, user.DisabledReason);
}

/// <summary>A key as the admin API shows it: never the secret nor its hash.</summary>
public sealed record AccessKeyView(
    string KeyId,
    int Version,
    string UserId,
    string? AppId,
    string Name,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> AllowedIps,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RotatedAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt,
    int? RequestsPerMinute = null,
    int? TokensPerMinute = null)
{
    /// <summary>The masked form, safe to show: <c>ahk_&lt;key id&gt;_****</c>.</summary>
    public string Masked => $"{AccessKeyToken.Prefix}{KeyId}_****";

    public static AccessKeyView From(AccessKey key, DateTimeOffset? lastUsedAt) =>
        new(key.Id, key.Version, key.UserId, key.AppId, key.Name, key.Scopes, key.Models, key.AllowedIps, key.ExpiresAt, key.CreatedAt, key.RotatedAt, key.RevokedAt, lastUsedAt, key.RequestsPerMinute, key.TokensPerMinute);
}

/// <summary>A key with its full text: returned once, when it is created or rotated, and never again.</summary>
public sealed record IssuedAccessKey(AccessKeyView Key, string Secret);
