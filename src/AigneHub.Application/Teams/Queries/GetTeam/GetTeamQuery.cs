using AigneHub.Application.Teams;

namespace AigneHub.Application.Teams.Queries.GetTeam;

/// <summary>A team, for its members and hub admins; to anyone else it answers as if it did not exist.</summary>
public sealed record GetTeamQuery(string TeamId, Caller By) : IQuery<TeamView>;
