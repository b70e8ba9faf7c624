using AigneHub.Domain.Teams;

namespace AigneHub.Application.Usage;

/// <summary>
/// Who sees whose usage: an admin (admin role with an admin scope) sees everyone's, a team's admin that team's, anyone
/// else their own.
/// </summary>
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

        if (caller.ReadsHub)
        {
            return string.IsNullOrEmpty(requestedUserId) ? null : requestedUserId;
        }

        if (!string.IsNullOrEmpty(requestedUserId) && !string.Equals(requestedUserId, caller.UserId, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException("Only admins can read another user's usage.", "user_id");
        }

        return caller.UserId;
    }

    /// <summary>
    /// The user whose usage a query about <paramref name="teamId"/> (null: no team) may read. Without a team, as
    /// <see cref="UserFilter"/>. With one: an admin and that team's admin may read the team's usage (everyone's in it,
    /// or the asked-for user's); a plain member of the team their own; anyone else is answered as if the team did not
    /// exist (404 naming <c>team_id</c>), as reading another team is.
    /// </summary>
    public static async Task<string?> UserFilterAsync(
        IDocumentStore store, Caller? caller, string? teamId, string? requestedUserId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(teamId) || caller is null || caller.ReadsHub)
        {
            return UserFilter(caller, requestedUserId);
        }

        return await TeamRoleAsync(store, caller, teamId, cancellationToken) switch
        {
            TeamRole.Admin => string.IsNullOrEmpty(requestedUserId) ? null : requestedUserId,
            TeamRole.Member => UserFilter(caller, requestedUserId),
            _ => throw new ResourceNotFoundException("team_id", $"There is no team '{teamId}'."),
        };
    }

    /// <summary>Whether <paramref name="caller"/> reads the whole usage of <paramref name="teamId"/>: an admin, or that team's admin.</summary>
    public static async Task<bool> ReadsTeamAsync(IDocumentStore store, Caller caller, string teamId, CancellationToken cancellationToken) =>
        caller.ReadsHub || await TeamRoleAsync(store, caller, teamId, cancellationToken) == TeamRole.Admin;

    private static async Task<TeamRole?> TeamRoleAsync(IDocumentStore store, Caller caller, string teamId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var team = await session.LoadAsync<Team>(teamId, cancellationToken);
        return team?.RoleOf(caller.UserId);
    }

    /// <summary>
    /// A call record as <paramref name="caller"/> may see it: whole for an admin; for anyone else without the provider
    /// credential that served it (operator information: which of the hub's upstream accounts answered).
    /// </summary>
    public static CallRecord AsSeenBy(Caller? caller, CallRecord record) =>
        caller is not null && caller.ReadsHub ? record : record with { CredentialId = null };
}
