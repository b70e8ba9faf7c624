using AigneHub.Domain.Access;

namespace AigneHub.Domain.Teams;

/// <summary>A hub admin created a team.</summary>
public sealed record TeamCreated(string TeamId, string Name, string By, DateTimeOffset At);

/// <summary>A user joined the team, or their role in it changed.</summary>
public sealed record TeamMemberSet(string TeamId, string UserId, TeamRole Role, string By, DateTimeOffset At);

/// <summary>A user left the team (their team keys stay the team's until revoked).</summary>
public sealed record TeamMemberRemoved(string TeamId, string UserId, string By, DateTimeOffset At);

/// <summary>An access key was issued as the team's, to one of its members.</summary>
public sealed record TeamKeyAdded(string TeamId, string KeyId, string UserId, string By, DateTimeOffset At);

/// <summary>A user's role within one team; their hub role (<see cref="UserRole"/>) stays what it is.</summary>
public enum TeamRole
{
    Member,

    /// <summary>Manages this team's members, keys and budget, and nothing of any other team.</summary>
    Admin,
}
