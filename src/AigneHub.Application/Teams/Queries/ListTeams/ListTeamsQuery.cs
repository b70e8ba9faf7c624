using AigneHub.Application.Teams;

namespace AigneHub.Application.Teams.Queries.ListTeams;

/// <summary>The teams <paramref name="By"/> may see, by name: every team for a hub admin or owner, else the teams they belong to.</summary>
public sealed record ListTeamsQuery(Caller By) : IQuery<IReadOnlyList<TeamView>>;
