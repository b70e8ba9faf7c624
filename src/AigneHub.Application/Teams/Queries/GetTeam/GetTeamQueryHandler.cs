using AigneHub.Application.Teams;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams.Queries.GetTeam;

internal sealed class GetTeamQueryHandler(IDocumentStore store) : IQueryHandler<GetTeamQuery, TeamView>
{
    public async ValueTask<TeamView> Handle(GetTeamQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var team = await session.LoadAsync<Team>(query.TeamId, cancellationToken);
        if (team is null || (!query.By.ReadsHub && team.RoleOf(query.By.UserId) is null))
        {
            throw new ResourceNotFoundException("team_id", $"There is no team '{query.TeamId}'.");
        }

        return TeamView.From(team);
    }
}
