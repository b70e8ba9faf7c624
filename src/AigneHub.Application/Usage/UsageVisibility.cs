namespace AigneHub.Application.Usage;

/// <summary>Who sees whose usage: an admin (admin role with an admin scope) sees everyone's, anyone else their own.</summary>
public static class UsageVisibility
{
    /// <summary>
    /// The user whose usage a query may read: the asked-for user (or null for everyone) for an admin, the caller for
    /// anyone else. A member who asks for another user's usage is refused rather than silently shown their own.
    /// </summary>
    public static string? UserFilter(Caller? caller, string? requestedUserId)
    {
        if (caller is null)
        {
            throw new AuthenticationRequiredException("Sign in (or send an access key) to read usage.");
        }

        if (caller.Role != UserRole.Member && (caller.Scopes.Contains(KeyScopes.AdminRead) || caller.Scopes.Contains(KeyScopes.AdminWrite)))
        {
            return string.IsNullOrEmpty(requestedUserId) ? null : requestedUserId;
        }

        if (!string.IsNullOrEmpty(requestedUserId) && !string.Equals(requestedUserId, caller.UserId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException("Only admins can read another user's usage.", "user_id");
        }

        return caller.UserId;
    }
}
