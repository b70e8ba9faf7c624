using AigneHub.Infrastructure.Jobs;

namespace AigneHub.Infrastructure.Budgets;

/// <summary>
/// Defines the reservation recovery job on Hangfire's shared schedule at start-up, with this instance's cron, on
/// instances that manage the schedule (<see cref="HangfireOptions.ManageSchedule"/>); which instances run it is their
/// billing queue switch (<see cref="JobQueues"/>).
/// </summary>
internal sealed class BudgetJobSchedule(IRecurringJobManager jobs, IOptions<BudgetOptions> options, IOptions<HangfireOptions> hangfire) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (hangfire.Value.ManageSchedule)
        {
            jobs.AddOrUpdate<BudgetJobs>(
                BudgetJobs.ReservationRecoveryJobId, job => job.ReleaseLapsedReservationsAsync(CancellationToken.None), options.Value.ReservationRecoveryCron);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
