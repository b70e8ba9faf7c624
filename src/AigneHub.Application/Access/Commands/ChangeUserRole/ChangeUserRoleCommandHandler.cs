using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Access.Commands.ChangeUserRole;

internal sealed class ChangeUserRoleCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<ChangeUserRoleCommand, UserView>
{
    public async ValueTask<UserView> Handle(ChangeUserRoleCommand command, CancellationToken cancellationToken)
    {
        var by = Delegators.From(command.By, limits);
        var user = await EventStreams.ChangeAsync<HubUser>(store, AccessStreams.User(command.UserId), command.ExpectedVersion, current =>
            AccessDecisions.ChangeRole(current, command.Role, by, time.GetUtcNow()),
            cancellationToken);

        // A demoted admin's keys lose their admin scopes on this instance before the answer is sent.
        await cache.InvalidateAsync(cancellationToken);
        return UserView.From(user);
    }
}
