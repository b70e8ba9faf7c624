namespace AigneHub.Application.Access.Commands.EnableUser;

internal sealed class EnableUserCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<EnableUserCommand, UserView>
{
    public async ValueTask<UserView> Handle(EnableUserCommand command, CancellationToken cancellationToken)
    {
        var by = Delegators.From(command.By, limits);
        return await AccessStreams.ChangeStandingAsync(store, cache, command.UserId, command.ExpectedVersion,
            current => AccessDecisions.Enable(current, by, time.GetUtcNow()),
            cancellationToken);
    }
}
