using AigneHub.Application.Abstractions;
using AigneHub.Application.Access.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Application.Teams.Common;
using AigneHub.Domain.Teams;
using Marten;
using Mediator;

namespace AigneHub.Application.Teams.Commands.CreateTeam;

internal sealed class CreateTeamCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits) : ICommandHandler<CreateTeamCommand, TeamView>
{
    public async ValueTask<TeamView> Handle(CreateTeamCommand command, CancellationToken cancellationToken)
    {
        var created = AccessRules.Run(() => TeamDecisions.Create(command.TeamId, command.Name, Delegators.From(command.By, limits), time.GetUtcNow()));
        await using var session = store.LightweightSession();
        try
        {
            session.Events.StartStream<Team>(command.TeamId, created);
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is JasperFx.ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            throw new ConflictException($"The team '{command.TeamId}' already exists.");
        }

        return TeamView.From((await session.LoadAsync<Team>(command.TeamId, cancellationToken))!);
    }
}
