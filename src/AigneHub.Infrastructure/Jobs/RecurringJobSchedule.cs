namespace AigneHub.Infrastructure.Jobs;

/// <summary>
/// Defines the credential re-check and the image clean-up on Hangfire's shared schedule at start-up, on instances that
/// manage the schedule (<see cref="HangfireOptions.ManageSchedule"/>). The definitions are the cluster's: this
/// instance's switches (Providers:CredentialRecheck:Enabled, Images:CleanupEnabled) only decide whether its server
/// works on their queues (<see cref="JobQueues"/>), so they never take a job away from the other instances.
/// </summary>
internal sealed class RecurringJobSchedule(IRecurringJobManager jobs, IOptions<HangfireOptions> hangfire) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (hangfire.Value.ManageSchedule)
        {
            jobs.AddOrUpdate<CredentialRecheckJob>(CredentialRecheckJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
            jobs.AddOrUpdate<ExpiredImageCleanupJob>(ExpiredImageCleanupJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), "*/10 * * * *");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
