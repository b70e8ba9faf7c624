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
    public static UserCreated CreateUser(NewUser user, UserRole? actorRole, string by, DateTimeOffset at)
    {
        RequireMayGrant(actorRole, user.Role);
        return new UserCreated(user.UserId, user.DisplayName, user.Email, user.Role, user.Subject, by, at);
    }

    public static IReadOnlyList<object> ChangeRole(HubUser user, UserRole role, Delegator by, DateTimeOffset at)
    {
        if (user.Role == role)
        {
            return [];
        }

        if (user.Id == by.UserId)
        {
            throw new AccessRuleException("role", "You cannot change your own role; ask another owner.", isForbidden: true);
        }

        // Only an owner may touch an owner or make one; an admin promotes and demotes members, not other admins.
        RequireMayGrant(by.Role, role);
        RequireMayGrant(by.Role, user.Role);
        Delegation.RequireMayActOn(by, user, "user_id");
        return [new UserRoleChanged(user.Id, user.Role, role, by.By, at)];
    }

    /// <summary>
    /// Disabling stops every key and bearer token of the user (their streams keep everything; enabling gives it back).
    /// Nobody disables or enables themselves (so whoever disables always remains to enable, and a disabled user's
    /// credential still in flight cannot let them back in), and the role rule applies: an admin disables members, only
    /// an owner disables admins and owners. (A disabled asker changes nothing at all: the pipeline's
    /// ActorStandingBehaviour.) Disabling a disabled user changes nothing.
    /// </summary>
    public static IReadOnlyList<object> Disable(HubUser user, string? reason, Delegator by, DateTimeOffset at)
    {
        RequireMayDisableOrEnable(user, by, "disable");
        return user.IsDisabled ? [] : [new UserDisabled(user.Id, reason, by.By, at)];
    }

    /// <summary>Gives a disabled user their keys and tokens back, under the same rules; enabling an enabled user changes nothing.</summary>
    public static IReadOnlyList<object> Enable(HubUser user, Delegator by, DateTimeOffset at)
    {
        RequireMayDisableOrEnable(user, by, "enable");
        return user.IsDisabled ? [new UserEnabled(user.Id, by.By, at)] : [];
    }

    private static void RequireMayDisableOrEnable(HubUser user, Delegator by, string verb)
    {
        if (user.Id == by.UserId)
        {
            throw new AccessRuleException("user_id", $"You cannot {verb} yourself; ask another owner or admin.", isForbidden: true);
        }

        Delegation.RequireMayActOn(by, user, "user_id");
    }

    public static AppRegistered RegisterApp(HubUser user, string appId, string name, Delegator by, DateTimeOffset at)
    {
        Delegation.RequireMayActOn(by, user, "user_id");
        if (user.Apps.Any(a => a.AppId == appId))
        {
            throw new AccessRuleException("app_id", $"The app '{appId}' is already registered for this user.", isConflict: true);
        }

        return new AppRegistered(user.Id, appId, name, by.By, at);
    }

    /// <summary>
    /// A key for <paramref name="owner"/>, never with more than <paramref name="by"/> holds: what the request leaves
    /// out is inherited from the asking key, what it asks beyond it is refused (see <see cref="Delegation"/>).
    /// </summary>
    public static AccessKeyCreated CreateKey(HubUser owner, int ownersActiveKeys, NewAccessKey key, Delegator by, DateTimeOffset at)
    {
        if (key.Limits.RequestsPerMinute is < 1 || key.Limits.TokensPerMinute is < 1)
        {
            throw new AccessRuleException(key.Limits.RequestsPerMinute is < 1 ? "requests_per_minute" : "tokens_per_minute", "A key's own limit must be at least 1 per minute; leave it out to use the default.");
        }

        Delegation.RequireMayActOn(by, owner, "user_id");
        Delegation.RequireUnlimited(by);
        if (owner.IsDisabled)
        {
            throw new AccessRuleException("user_id", $"The user '{owner.Id}' is disabled; enable them before giving them a key.", isConflict: true);
        }

        if (key.Scopes.FirstOrDefault(s => !KeyScopes.Allows(owner.Role, s)) is { } refused)
        {
            throw new AccessRuleException("scopes", $"A {owner.Role.ToString().ToLowerInvariant()} cannot hold the '{refused}' scope; only admins and owners can.", isForbidden: true);
        }

        var grant = Delegation.Inherit(new KeyGrant(owner.Id, key.AppId, key.Scopes, key.Models, key.AllowedIps, key.ExpiresAt, key.Limits), by);
        if (grant.ExpiresAt is { } expires && expires <= at)
        {
            throw new AccessRuleException("expires_at", "expires_at must be in the future.");
        }

        Delegation.RequireWithin(grant, by, "the new key");
        if (grant.AppId is { } appId && owner.Apps.All(a => a.AppId != appId))
        {
            throw new AccessRuleException("app_id", $"The user has no app '{appId}'.");
        }

        if (ownersActiveKeys >= MaxKeysPerUser)
        {
            throw new AccessRuleException("user_id", $"A user can have at most {MaxKeysPerUser} active keys; revoke one first.", isConflict: true);
        }

        return new AccessKeyCreated(
            key.KeyId, owner.Id, grant.AppId, key.Name, [.. grant.Scopes.Distinct(StringComparer.Ordinal)], [.. grant.Models.Distinct(StringComparer.OrdinalIgnoreCase)], [.. grant.AllowedIps], grant.ExpiresAt,
            key.SecretHash, by.By, at, grant.Limits.RequestsPerMinute, grant.Limits.TokensPerMinute);
    }

    /// <summary>
    /// A new secret for a key: whoever gets it gets everything the key gives, so the asker must be allowed to act on
    /// the key's user and must hold at least what the key gives.
    /// </summary>
    public static AccessKeyRotated Rotate(AccessKey key, HubUser keyOwner, string secretHash, Delegator by, DateTimeOffset at)
    {
        Delegation.RequireMayActOn(by, keyOwner, "key_id");
        if (key.IsRevoked)
        {
            throw new AccessRuleException("key_id", $"The key '{key.Id}' is revoked; create a new one instead.", isConflict: true);
        }

        Delegation.RequireWithin(KeyGrant.Of(key), by, $"the key '{key.Id}'");
        return new AccessKeyRotated(key.Id, secretHash, by.By, at);
    }

    /// <summary>
    /// Revoking is idempotent: a revoked key stays revoked as it was. It gives nobody anything, so only the role rule
    /// applies: an admin cannot revoke an owner's (or another admin's) keys.
    /// </summary>
    public static IReadOnlyList<object> Revoke(AccessKey key, HubUser keyOwner, string? reason, Delegator by, DateTimeOffset at)
    {
        Delegation.RequireMayActOn(by, keyOwner, "key_id");
        return key.IsRevoked ? [] : [new AccessKeyRevoked(key.Id, reason, by.By, at)];
    }

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
