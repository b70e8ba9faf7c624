using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Access.Commands.EnableUser;

internal sealed class EnableUserCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<EnableUserCommand, UserView>
{
    public async ValueTask<UserView> Handle(EnableUserCommand command, CancellationToken cancellationToken)
    {
        var by = Delegators.From(command.By, limits);
        var user = await EventStreams.ChangeAsync<HubUser>(store, AccessStreams.User(command.UserId), command.ExpectedVersion == 0 ? null : command.ExpectedVersion, async (current, session) =>
            {
                // The asker as the store has them now, not as their credential's cache does (another instance may not
                // have seen them disabled yet).
                var actor = await session.LoadAsync<HubUser>(command.By.UserId, cancellationToken);
                return new StreamChange(AccessDecisions.Enable(current, actor, by, time.GetUtcNow()));
            },
            cancellationToken);

        await cache.InvalidateAsync(cancellationToken);
        return UserView.From(user);
    }
}
