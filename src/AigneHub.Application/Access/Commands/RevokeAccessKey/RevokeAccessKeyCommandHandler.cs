using AigneHub.Application.Access.Common;
using AigneHub.Domain.Access;
using Marten;
using Mediator;

namespace AigneHub.Application.Access.Commands.RevokeAccessKey;

internal sealed class RevokeAccessKeyCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<RevokeAccessKeyCommand, AccessKeyView>
{
    public async ValueTask<AccessKeyView> Handle(RevokeAccessKeyCommand command, CancellationToken cancellationToken)
    {
        var key = await AccessStreams.ChangeAsync<AccessKey>(store, command.KeyId, command.ExpectedVersion == 0 ? null : command.ExpectedVersion, "access key", current =>
        {
            OwnedKeys.RequireOwner(current, command.OwnedBy);
            return AccessDecisions.Revoke(current, command.Reason, command.Actor, time.GetUtcNow());
        }, cancellationToken);

        await using var session = store.QuerySession();
        return AccessKeyView.From(key, await AccessStreams.LastUseAsync(session, key.Id, cancellationToken));
    }
}
