using AigneHub.Application.Abstractions;
using AigneHub.Application.Access.Common;
using AigneHub.Application.Common.EventSourcing;
using AigneHub.Domain.Access;
using Marten;
using Mediator;

namespace AigneHub.Application.Access.Commands.RotateAccessKey;

internal sealed class RotateAccessKeyCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<RotateAccessKeyCommand, IssuedAccessKey>
{
    public async ValueTask<IssuedAccessKey> Handle(RotateAccessKeyCommand command, CancellationToken cancellationToken)
    {
        var secret = AccessKeyToken.NewSecret();
        var keyOwner = await AccessStreams.LoadKeyOwnerAsync(store, command.KeyId, command.OwnedBy, cancellationToken);
        var by = Delegators.From(command.By, limits);
        var key = await EventStreams.ChangeAsync<AccessKey>(store, AccessStreams.Key(command.KeyId), command.ExpectedVersion, current =>
            [AccessDecisions.Rotate(current, keyOwner, AccessKeyToken.Hash(secret), by, time.GetUtcNow())],
            cancellationToken);

        await cache.InvalidateAsync(cancellationToken);
        await using var session = store.QuerySession();
        return new IssuedAccessKey(AccessKeyView.From(key, await AccessStreams.LastUseAsync(session, key.Id, cancellationToken)), new AccessKeyToken(key.Id, secret).Text);
    }
}
