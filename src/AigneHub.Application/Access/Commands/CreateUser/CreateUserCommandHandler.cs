using AigneHub.Application.Access.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Access;
using Marten;
using Mediator;

namespace AigneHub.Application.Access.Commands.CreateUser;

internal sealed class CreateUserCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<CreateUserCommand, UserView>
{
    public async ValueTask<UserView> Handle(CreateUserCommand command, CancellationToken cancellationToken)
    {
        var userId = command.UserId ?? $"usr_{Guid.CreateVersion7():N}";
        var created = AccessRules.Run(() => AccessDecisions.CreateUser(
            userId, command.DisplayName, command.Email, command.Role, command.Subject, command.ActorRole, command.Actor, time.GetUtcNow()));

        await using (var session = store.LightweightSession())
        {
            try
            {
                session.Events.StartStream<HubUser>(userId, created);
                await session.SaveChangesAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is JasperFx.ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
            {
                throw new ConflictException($"The user '{userId}' already exists.");
            }
        }

        await using var query = store.QuerySession();
        return UserView.From(await AccessStreams.LoadUserAsync(query, userId, cancellationToken));
    }
}
