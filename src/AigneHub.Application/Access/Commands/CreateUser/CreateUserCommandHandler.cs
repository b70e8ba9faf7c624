using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Access.Commands.CreateUser;

internal sealed class CreateUserCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<CreateUserCommand, UserView>
{
    public async ValueTask<UserView> Handle(CreateUserCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId ?? $"usr_{Guid.CreateVersion7():N}";
        if (command.UserId is not null)
        {
            // "OWNER" beside "owner" would make every grant, adjustment and payment for either refuse to guess which.
            await using var session = store.QuerySession();
            if ((await UserIds.SpellingsAsync(session, userId, cancellationToken)).FirstOrDefault(id => id != userId) is { } existing)
            {
                throw new ConflictException($"There is already a user '{existing}', which differs from '{userId}' only in case; user ids are told apart ignoring case.");
            }
        }

        return UserView.From(await EventStreams.StartAsync<HubUser>(store, AccessStreams.User(userId), () => [AccessDecisions.CreateUser(
            new NewUser(userId, command.DisplayName, command.Email, command.Role, command.Subject), command.ActorRole, command.Actor, time.GetUtcNow())],
            cancellationToken));
    }
}
