using AigneHub.Application.Audit;
using AigneHub.Application.Teams;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams.Commands.SetTeamMember;

/// <summary>Adds a user to a team, changes their team role, or (<paramref name="Remove"/>) takes them out; by a hub admin or the team's admin.</summary>
public sealed record SetTeamMemberCommand(string TeamId, string UserId, TeamRole Role, bool Remove, Caller By) : ICommand<TeamView>, IAuditedCommand
{
    public string AuditTarget => $"team:{TeamId}";
}
