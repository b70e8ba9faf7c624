using AigneHub.Domain.Access.Events;

namespace AigneHub.Domain.Access;

/// <summary>
/// The rules of users and access keys, as functions of the current state and a command that return the events to
/// append. They throw <see cref="AccessRuleException"/> when the state does not allow the command. Input shape
/// (lengths, syntax) is checked before, by the command validators.
/// </summary>
public static class AccessDecisions
{
    public const int MaxKeysPerUser = 100;

    /// <param name="actorRole">The role of whoever asks; null for the hub itself (bootstrap, first sight of an OIDC user).</param>
    public static UserCreated CreateUser(string userId, string displayName, string? email, UserRole role, string? subject, UserRole? actorRole, string by, DateTimeOffset at)
    {
        RequireMayGrant(actorRole, role);
        return new UserCreated(userId, displayName, email, role, subject, by, at);
    }

    public static IReadOnlyList<object> ChangeRole(HubUser user, UserRole role, UserRole actorRole, string actorId, string by, DateTimeOffset at)
    {
        if (user.Role == role)
        {
            return [];
        }

        if (user.Id == actorId)
        {
            throw new AccessRuleException("role", "You cannot change your own role; ask another owner.", isForbidden: true);
        }

        // Only an owner may touch an owner or make one; admins manage admins and members.
        RequireMayGrant(actorRole, role);
        RequireMayGrant(actorRole, user.Role);
        return [new UserRoleChanged(user.Id, user.Role, role, by, at)];
    }

    public static AppRegistered RegisterApp(HubUser user, string appId, string name, string by, DateTimeOffset at)
    {
        if (user.Apps.Any(a => a.AppId == appId))
        {
            throw new AccessRuleException("app_id", $"The app '{appId}' is already registered for this user.", isConflict: true);
        }

        return new AppRegistered(user.Id, appId, name, by, at);
    }

    public static AccessKeyCreated CreateKey(
        HubUser owner,
        int ownersActiveKeys,
        string keyId,
        string? appId,
        string name,
        IReadOnlyList<string> scopes,
        IReadOnlyList<string> models,
        IReadOnlyList<string> allowedIps,
        DateTimeOffset? expiresAt,
        string secretHash,
        string by,
        DateTimeOffset at,
        int? requestsPerMinute = null,
        int? tokensPerMinute = null)
    {
        if (requestsPerMinute is < 1 || tokensPerMinute is < 1)
        {
            throw new AccessRuleException(requestsPerMinute is < 1 ? "requests_per_minute" : "tokens_per_minute", "A key's own limit must be at least 1 per minute; leave it out to use the default.");
        }

        if (scopes.FirstOrDefault(s => !KeyScopes.Allows(owner.Role, s)) is { } refused)
        {
            throw new AccessRuleException("scopes", $"A {owner.Role.ToString().ToLowerInvariant()} cannot hold the '{refused}' scope; only admins and owners can.", isForbidden: true);
        }

        if (appId is not null && owner.Apps.All(a => a.AppId != appId))
        {
            throw new AccessRuleException("app_id", $"The user has no app '{appId}'.");
        }

        if (expiresAt is { } expires && expires <= at)
        {
            throw new AccessRuleException("expires_at", "expires_at must be in the future.");
        }

        if (ownersActiveKeys >= MaxKeysPerUser)
        {
            throw new AccessRuleException("user_id", $"A user can have at most {MaxKeysPerUser} active keys; revoke one first.", isConflict: true);
        }

        return new AccessKeyCreated(keyId, owner.Id, appId, name, [.. scopes.Distinct(StringComparer.Ordinal)], [.. models.Distinct(StringComparer.OrdinalIgnoreCase)], [.. allowedIps], expiresAt, secretHash, by, at, requestsPerMinute, tokensPerMinute);
    }

    public static AccessKeyRotated Rotate(AccessKey key, string secretHash, string by, DateTimeOffset at)
    {
        if (key.IsRevoked)
        {
            throw new AccessRuleException("key_id", $"The key '{key.Id}' is revoked; create a new one instead.", isConflict: true);
        }

        return new AccessKeyRotated(key.Id, secretHash, by, at);
    }

    /// <summary>Revoking is idempotent: a revoked key stays revoked as it was.</summary>
    public static IReadOnlyList<object> Revoke(AccessKey key, string? reason, string by, DateTimeOffset at) =>
        key.IsRevoked ? [] : [new AccessKeyRevoked(key.Id, reason, by, at)];

    private static void RequireMayGrant(UserRole? actorRole, UserRole role)
    {
        if (actorRole is null)
        {
            return;
        }

        if (actorRole == UserRole.Member || (role == UserRole.Owner && actorRole != UserRole.Owner))
        {
            throw new AccessRuleException("role", $"A {actorRole.Value.ToString().ToLowerInvariant()} cannot manage {role.ToString().ToLowerInvariant()}s.", isForbidden: true);
        }
    }
}
