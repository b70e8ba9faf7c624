namespace AigneHub.Application.Access.Commands.DisableUser;

internal sealed class DisableUserCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<DisableUserCommand, UserView>
{
    public async ValueTask<UserView> Handle(DisableUserCommand command, CancellationToken cancellationToken)
    {
        var by = Delegators.From(command.By, limits);
        return await AccessStreams.ChangeStandingAsync(store, cache, command.UserId, command.ExpectedVersion,
            current => AccessDecisions.Disable(current, command.Reason, by, time.GetUtcNow()),
            cancellationToken);
    }
}
