using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Access.Commands.CreateAccessKey;

internal sealed class CreateAccessKeyCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<CreateAccessKeyCommand, IssuedAccessKey>
{
    public async ValueTask<IssuedAccessKey> Handle(CreateAccessKeyCommand command, CancellationToken cancellationToken)
    {
        await Budgets.KeyBudgets.RequireUnboundAsync(store, command.By, cancellationToken);
        var token = command.Token ?? AccessKeyToken.New();
        HubUser owner;
        int active;
        await using (var session = store.QuerySession())
        {
            owner = await AccessStreams.LoadUserAsync(session, command.UserId, cancellationToken);
            active = await session.Query<AccessKey>().CountAsync(k => k.UserId == owner.Id && k.RevokedAt == null, cancellationToken);
        }

        var asked = new NewAccessKey(
            token.KeyId, command.AppId, command.Name, command.Scopes, command.Models, [.. command.AllowedIps.Select(ip => IpRange.Parse(ip).Text)],
            command.ExpiresAt, new KeyLimits(command.RequestsPerMinute, command.TokensPerMinute), AccessKeyToken.Hash(token.Secret));
        var key = await EventStreams.StartAsync<AccessKey>(store, AccessStreams.Key(token.KeyId), () =>
            [AccessDecisions.CreateKey(owner, active, asked, Delegators.From(command.By, limits), time.GetUtcNow())], cancellationToken);
        await cache.InvalidateAsync(cancellationToken);
        return new IssuedAccessKey(AccessKeyView.From(key, null), token.Text);
    }
}
