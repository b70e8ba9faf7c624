using AigneHub.Application.EventSourcing;
using AigneHub.Application.Teams;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams.Commands.SetTeamMember;

internal sealed class SetTeamMemberCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
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

        var revokedAny = false;
        var team = await EventStreams.ChangeAsync<Team>(store, AccessStreams.Team(command.TeamId), null, async (current, session) =>
        {
            if (!command.Remove)
            {
                return new StreamChange([TeamDecisions.SetMember(current, user, command.Role, by, time.GetUtcNow())]);
            }

            // Read after the team was fetched: a key the team gains meanwhile changes its version, and the commit fails.
            var teamKeys = current.KeyIds.ToList();
            var theirKeys = await session.Query<AccessKey>().Where(k => k.UserId == user.Id && teamKeys.Contains(k.Id)).ToListAsync(cancellationToken);
            var (removed, revoked) = TeamDecisions.RemoveMember(current, user, theirKeys, by, time.GetUtcNow());
            revokedAny = revoked.Count > 0;
            return new StreamChange([removed], [.. revoked.Select(r => (r.KeyId, (object)r))]);
        },
        cancellationToken);

        // A revoked key must not be served from this instance's key cache a moment longer.
        if (revokedAny)
        {
            await cache.InvalidateAsync(cancellationToken);
        }

        return TeamView.From(team);
    }
}
