using AigneHub.Application.Budgets;

namespace AigneHub.Application.Budgets.Commands.ReleaseLapsedReservations;

internal sealed class ReleaseLapsedReservationsCommandHandler(ISpendBudgets budgets) : ICommandHandler<ReleaseLapsedReservationsCommand, ReservationRecovery>
{
    public async ValueTask<ReservationRecovery> Handle(ReleaseLapsedReservationsCommand command, CancellationToken cancellationToken) =>
        await budgets.ReleaseLapsedAsync(cancellationToken);
}
