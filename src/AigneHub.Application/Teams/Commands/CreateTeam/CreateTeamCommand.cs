using AigneHub.Application.Audit;
using AigneHub.Application.Teams;

namespace AigneHub.Application.Teams.Commands.CreateTeam;

/// <summary>Creates a team (hub admins and owners only); the edge names its id.</summary>
public sealed record CreateTeamCommand(string TeamId, string Name, Caller By) : ICommand<TeamView>, IAuditedCommand
{
    public string AuditTarget => $"team:{TeamId}";
}
