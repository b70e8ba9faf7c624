namespace AigneHub.Application.Access.Commands.RevokeAccessKey;

internal sealed class RevokeAccessKeyCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<RevokeAccessKeyCommand, AccessKeyView>
{
    public async ValueTask<AccessKeyView> Handle(RevokeAccessKeyCommand command, CancellationToken cancellationToken)
    {
        var by = Delegators.From(command.By, limits);
        return await AccessStreams.ChangeKeyAsync(store, cache, command.KeyId, command.OwnedBy, command.ExpectedVersion == 0 ? null : command.ExpectedVersion,
            (current, keyOwner) => AccessDecisions.Revoke(current, keyOwner, command.Reason, by, time.GetUtcNow()),
            cancellationToken);
    }
}
