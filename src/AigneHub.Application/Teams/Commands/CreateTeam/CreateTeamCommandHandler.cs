using AigneHub.Application.Abstractions;
using AigneHub.Application.Access.Common;
using AigneHub.Application.Common.EventSourcing;
using AigneHub.Application.Teams.Common;
using AigneHub.Domain.Teams;
using Marten;
using Mediator;

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
