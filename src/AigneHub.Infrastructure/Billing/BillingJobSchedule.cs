using AigneHub.Infrastructure.Jobs;

namespace AigneHub.Infrastructure.Billing;

/// <summary>
/// Defines the billing jobs on Hangfire's shared schedule at start-up, with the crons of this instance's
/// configuration, on instances that manage the schedule (<see cref="HangfireOptions.ManageSchedule"/>).
/// Billing:Jobs:Enabled is this instance's switch (whether its server works on the billing queue) and never removes a
/// definition; Billing:Jobs:RateSyncEnabled is a schedule setting, so only a managing instance applies it.
/// </summary>
internal sealed class BillingJobSchedule(IRecurringJobManager jobs, IOptions<BillingJobsOptions> options, IOptions<HangfireOptions> hangfire) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!hangfire.Value.ManageSchedule)
        {
            return Task.CompletedTask;
        }

        var settings = options.Value;
        jobs.AddOrUpdate<BillingJobs>(BillingJobs.GrantExpiryJobId, job => job.ExpireGrantsAsync(CancellationToken.None), settings.GrantExpiryCron);
        jobs.AddOrUpdate<BillingJobs>(BillingJobs.HoldRecoveryJobId, job => job.RecoverHoldsAsync(CancellationToken.None), settings.HoldRecoveryCron);
        if (settings.RateSyncEnabled)
        {
            jobs.AddOrUpdate<BillingJobs>(BillingJobs.RateSyncJobId, job => job.SyncRatesAsync(CancellationToken.None), settings.RateSyncCron);
        }
        else
        {
            jobs.RemoveIfExists(BillingJobs.RateSyncJobId);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
