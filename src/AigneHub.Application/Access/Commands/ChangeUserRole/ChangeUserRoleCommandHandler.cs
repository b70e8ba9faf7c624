using AigneHub.Application.Access.Common;
using AigneHub.Domain.Access;
using Marten;
using Mediator;

namespace AigneHub.Application.Access.Commands.ChangeUserRole;

internal sealed class ChangeUserRoleCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<ChangeUserRoleCommand, UserView>
{
    public async ValueTask<UserView> Handle(ChangeUserRoleCommand command, CancellationToken cancellationToken) =>
        UserView.From(await AccessStreams.ChangeAsync<HubUser>(store, command.UserId, command.ExpectedVersion, "user", user =>
            AccessRules.Run(() => AccessDecisions.ChangeRole(user, command.Role, command.ActorRole, command.ActorUserId, command.Actor, time.GetUtcNow())),
            cancellationToken));
}
