using AigneHub.Application.Teams;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams.Queries.ListTeams;

internal sealed class ListTeamsQueryHandler(IDocumentStore store) : IQueryHandler<ListTeamsQuery, IReadOnlyList<TeamView>>
{
    public async ValueTask<IReadOnlyList<TeamView>> Handle(ListTeamsQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        // Teams are few (read whole, as the key → team directory does); membership is a dictionary, filtered here.
        var teams = await session.Query<Team>().ToListAsync(cancellationToken);
        var hubAdmin = query.By.ReadsHub;
        return [.. teams
            .Where(t => hubAdmin || t.RoleOf(query.By.UserId) is not null)
            .OrderBy(t => t.Name, StringComparer.OrdinalIgnoreCase).ThenBy(t => t.Id, StringComparer.Ordinal)
            .Select(TeamView.From)];
    }
}
