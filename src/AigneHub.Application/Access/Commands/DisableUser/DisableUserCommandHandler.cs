using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Access.Commands.DisableUser;

internal sealed class DisableUserCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<DisableUserCommand, UserView>
{
    public async ValueTask<UserView> Handle(DisableUserCommand command, CancellationToken cancellationToken)
    {
        var by = Delegators.From(command.By, limits);
        var user = await EventStreams.ChangeAsync<HubUser>(store, AccessStreams.User(command.UserId), command.ExpectedVersion == 0 ? null : command.ExpectedVersion, async (current, session) =>
            {
                // The asker as the store has them now, not as their credential's cache does (another instance may not
                // have seen them disabled yet).
                var actor = await session.LoadAsync<HubUser>(command.By.UserId, cancellationToken);
                return new StreamChange(AccessDecisions.Disable(current, actor, command.Reason, by, time.GetUtcNow()));
            },
            cancellationToken);

        // The user's keys are refused on this instance before the answer is sent; on the others within a cache refresh.
        await cache.InvalidateAsync(cancellationToken);
        return UserView.From(user);
    }
}
