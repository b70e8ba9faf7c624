using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams;

/// <summary>A team as the API shows it: members with their team role, and the ids of the team's keys.</summary>
public sealed record TeamView(string Id, string Name, int Version, IReadOnlyList<TeamMemberView> Members, IReadOnlyList<string> KeyIds, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static TeamView From(Team team) => new(
        team.Id,
        team.Name,
        team.Version,
        [.. team.Members.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new TeamMemberView(m.Key, m.Value))],
        [.. team.KeyIds],
        team.CreatedAt,
        team.UpdatedAt);
}

public sealed record TeamMemberView(string UserId, TeamRole Role);
