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

        if (command.Remove)
        {
            return await RemoveAsync(command, user, by, cancellationToken);
        }

        var team = await EventStreams.ChangeAsync<Team>(store, AccessStreams.Team(command.TeamId), null, current =>
            [TeamDecisions.SetMember(current, user, command.Role, by, time.GetUtcNow())],
            cancellationToken);
        return TeamView.From(team);
    }

    /// <summary>The member leaves the team and its keys they hold are revoked, in one commit; the key cache forgets them before the answer.</summary>
    private async Task<TeamView> RemoveAsync(SetTeamMemberCommand command, Domain.Access.HubUser user, Delegator by, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForWriting<Team>(command.TeamId, cancellationToken);
        var team = stream.Aggregate ?? throw AccessStreams.Team(command.TeamId).Missing();
        var teamKeys = team.KeyIds.ToList();
        var theirKeys = await session.Query<AccessKey>().Where(k => k.UserId == user.Id && teamKeys.Contains(k.Id)).ToListAsync(cancellationToken);
        var (removed, revoked) = DomainRules.Run(() => TeamDecisions.RemoveMember(team, user, theirKeys, by, time.GetUtcNow()));
        try
        {
            stream.AppendOne(removed);
            foreach (var revocation in revoked)
            {
                session.Events.Append(revocation.KeyId, revocation);
            }

            await session.SaveChangesAsync(cancellationToken);
        }
        catch (JasperFx.ConcurrencyException)
        {
            throw new ConflictException(AccessStreams.Team(command.TeamId).Raced);
        }

        if (revoked.Count > 0)
        {
            await cache.InvalidateAsync(cancellationToken);
        }

        return TeamView.From(await EventStreams.LoadAsync<Team>(store, command.TeamId, cancellationToken) ?? team);
    }
}
