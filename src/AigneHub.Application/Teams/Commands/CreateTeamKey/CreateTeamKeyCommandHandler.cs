using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams.Commands.CreateTeamKey;

internal sealed class CreateTeamKeyCommandHandler(
    IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache, ITeamDirectory teams)
    : ICommandHandler<CreateTeamKeyCommand, IssuedAccessKey>
{
    public async ValueTask<IssuedAccessKey> Handle(CreateTeamKeyCommand command, CancellationToken cancellationToken)
    {
        await Budgets.KeyBudgets.RequireUnboundAsync(store, command.By, cancellationToken);
        var token = AccessKeyToken.New();
        await using var session = store.LightweightSession();
        var owner = await AccessStreams.LoadUserAsync(session, command.UserId, cancellationToken);
        var stream = await session.Events.FetchForWriting<Team>(command.TeamId, cancellationToken);
        var team = stream.Aggregate ?? throw AccessStreams.Team(command.TeamId).Missing();
        var active = await session.Query<AccessKey>().CountAsync(k => k.UserId == owner.Id && k.RevokedAt == null, cancellationToken);
        var asked = new NewAccessKey(
            token.KeyId, null, command.Name, command.Scopes, command.Models, [], null, KeyLimits.None, AccessKeyToken.Hash(token.Secret));
        var (created, added) = DomainRules.Run(() => TeamDecisions.IssueKey(team, owner, active, asked, Delegators.From(command.By, limits), time.GetUtcNow()));
        try
        {
            // The key's stream and the team's change commit together: a team key is never issued without its team knowing.
            session.Events.StartStream<AccessKey>(token.KeyId, created);
            stream.AppendOne(added);
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (JasperFx.ConcurrencyException)
        {
            throw new ConflictException(AccessStreams.Team(command.TeamId).Raced);
        }

        await cache.InvalidateAsync(cancellationToken);
        await teams.ReloadAsync(cancellationToken);
        var key = await AccessStreams.LoadKeyAsync(session, token.KeyId, cancellationToken);
        return new IssuedAccessKey(AccessKeyView.From(key, null), token.Text);
    }
}
