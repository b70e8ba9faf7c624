using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Access.Commands.CreateUser;

internal sealed class CreateUserCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<CreateUserCommand, UserView>
{
    public async ValueTask<UserView> Handle(CreateUserCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId ?? $"usr_{Guid.CreateVersion7():N}";
        return UserView.From(await EventStreams.StartAsync<HubUser>(store, AccessStreams.User(userId), () => [AccessDecisions.CreateUser(
            new NewUser(userId, command.DisplayName, command.Email, command.Role, command.Subject), command.ActorRole, command.Actor, time.GetUtcNow())],
            cancellationToken));
    }
}
