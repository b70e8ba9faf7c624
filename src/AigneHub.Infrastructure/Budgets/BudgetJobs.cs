using AigneHub.Application.Budgets.Commands.ReleaseLapsedReservations;
using AigneHub.Application.Budgets;

namespace AigneHub.Infrastructure.Budgets;

/// <summary>
/// The Hangfire face of the spend budgets' recovery job: it sends its command and nothing else. On the billing queue,
/// beside hold recovery, its credit counterpart: an instance that leaves billing jobs to others (Billing:Jobs:Enabled)
/// leaves this one too. Public because Hangfire activates it by its type name. A failed run is not retried: the next
/// scheduled run is the retry, and the job is idempotent.
/// </summary>
public sealed class BudgetJobs(IMediator mediator)
{
    public const string ReservationRecoveryJobId = "budget-reservation-recovery";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [Queue(Jobs.JobQueues.Billing)]
    public async Task<ReservationRecovery> ReleaseLapsedReservationsAsync(CancellationToken cancellationToken) =>
        await mediator.Send(new ReleaseLapsedReservationsCommand(), cancellationToken);
}
