using AigneHub.Application.EventSourcing;
using AigneHub.Application.Teams;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams.Commands.SetTeamMember;

internal sealed class SetTeamMemberCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits)
    : ICommandHandler<SetTeamMemberCommand, TeamView>
{
    public async ValueTask<TeamView> Handle(SetTeamMemberCommand command, CancellationToken cancellationToken)
    {
        var by = Delegators.From(command.By, limits);
        Domain.Access.HubUser user;
        await using (var query = store.QuerySession())
        {
            user = await AccessStreams.LoadUserAsync(query, command.UserId, cancellationToken);
        }

        var team = await EventStreams.ChangeAsync<Team>(store, AccessStreams.Team(command.TeamId), null, current =>
            command.Remove
                ? [TeamDecisions.RemoveMember(current, user, by, time.GetUtcNow())]
                : [TeamDecisions.SetMember(current, user, command.Role, by, time.GetUtcNow())],
            cancellationToken);
        return TeamView.From(team);
    }
}
