using AigneHub.Application.Budgets;

namespace AigneHub.Application.Budgets.Commands.ReleaseLapsedReservations;

/// <summary>
/// Gives back the spend-budget reservations of calls whose instance stopped renewing them (it died mid-call), so they
/// are not counted until their window ends, or for good on a budget that never resets. A reservation whose owner is
/// alive is renewed long before its lease lapses, so a call still running keeps its reservation.
/// </summary>
public sealed record ReleaseLapsedReservationsCommand : ICommand<ReservationRecovery>;
