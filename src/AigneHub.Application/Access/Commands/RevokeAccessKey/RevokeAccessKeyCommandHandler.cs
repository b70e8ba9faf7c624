using AigneHub.Application.Abstractions;
using AigneHub.Application.Access.Common;
using AigneHub.Application.Common.EventSourcing;
using AigneHub.Domain.Access;
using Marten;
using Mediator;

namespace AigneHub.Application.Access.Commands.RevokeAccessKey;

internal sealed class RevokeAccessKeyCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits, IAccessCacheInvalidation cache)
    : ICommandHandler<RevokeAccessKeyCommand, AccessKeyView>
{
    public async ValueTask<AccessKeyView> Handle(RevokeAccessKeyCommand command, CancellationToken cancellationToken)
    {
        var keyOwner = await AccessStreams.LoadKeyOwnerAsync(store, command.KeyId, command.OwnedBy, cancellationToken);
        var by = Delegators.From(command.By, limits);
        var key = await EventStreams.ChangeAsync<AccessKey>(store, AccessStreams.Key(command.KeyId), command.ExpectedVersion == 0 ? null : command.ExpectedVersion, current =>
            AccessDecisions.Revoke(current, keyOwner, command.Reason, by, time.GetUtcNow()),
            cancellationToken);

        await cache.InvalidateAsync(cancellationToken);
        await using var session = store.QuerySession();
        return AccessKeyView.From(key, await AccessStreams.LastUseAsync(session, key.Id, cancellationToken));
    }
}
