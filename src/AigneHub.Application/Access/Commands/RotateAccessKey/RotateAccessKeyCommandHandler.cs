using AigneHub.Application.Access.Common;
using AigneHub.Domain.Access;
using Marten;
using Mediator;

namespace AigneHub.Application.Access.Commands.RotateAccessKey;

internal sealed class RotateAccessKeyCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<RotateAccessKeyCommand, IssuedAccessKey>
{
    public async ValueTask<IssuedAccessKey> Handle(RotateAccessKeyCommand command, CancellationToken cancellationToken)
    {
        var secret = AccessKeyToken.NewSecret();
        var key = await AccessStreams.ChangeAsync<AccessKey>(store, command.KeyId, command.ExpectedVersion, "access key", current =>
        {
            OwnedKeys.RequireOwner(current, command.OwnedBy);
            return [AccessRules.Run(() => AccessDecisions.Rotate(current, AccessKeyToken.Hash(secret), command.Actor, time.GetUtcNow()))];
        }, cancellationToken);

        await using var session = store.QuerySession();
        return new IssuedAccessKey(AccessKeyView.From(key, await AccessStreams.LastUseAsync(session, key.Id, cancellationToken)), new AccessKeyToken(key.Id, secret).Text);
    }
}
