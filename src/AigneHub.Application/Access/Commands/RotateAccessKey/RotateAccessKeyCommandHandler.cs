namespace AigneHub.Application.Access.Commands.RotateAccessKey;

internal sealed class RotateAccessKeyCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<RotateAccessKeyCommand, IssuedAccessKey>
{
    public async ValueTask<IssuedAccessKey> Handle(RotateAccessKeyCommand command, CancellationToken cancellationToken)
    {
        if (command.KeyId != command.By.KeyId)
        {
            await Budgets.KeyBudgets.RequireUnboundAsync(store, command.By, cancellationToken);
        }

        var secret = AccessKeyToken.NewSecret();
        var by = Delegators.From(command.By, limits);
        var key = await AccessStreams.ChangeKeyAsync(store, cache, command.KeyId, command.OwnedBy, command.ExpectedVersion,
            (current, keyOwner) => [AccessDecisions.Rotate(current, keyOwner, AccessKeyToken.Hash(secret), by, time.GetUtcNow())],
            cancellationToken);
        return new IssuedAccessKey(key, new AccessKeyToken(key.KeyId, secret).Text);
    }
}
