using AigneHub.Application.EventSourcing;
using AigneHub.Application.Teams;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams.Commands.CreateTeam;

internal sealed class CreateTeamCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits) : ICommandHandler<CreateTeamCommand, TeamView>
{
    public async ValueTask<TeamView> Handle(CreateTeamCommand command, CancellationToken cancellationToken)
    {
        var team = await EventStreams.StartAsync<Team>(store, AccessStreams.Team(command.TeamId), () =>
            [TeamDecisions.Create(command.TeamId, command.Name, Delegators.From(command.By, limits), time.GetUtcNow())], cancellationToken);
        return TeamView.From(team);
    }
}
