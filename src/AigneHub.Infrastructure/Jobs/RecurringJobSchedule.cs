using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Jobs;

/// <summary>
/// Puts the recurring jobs on (or, when turned off, takes them off) Hangfire's schedule at start-up. The schedule
/// lives in the shared storage, so every instance writing the same definition is harmless.
/// </summary>
internal sealed class RecurringJobSchedule(
    IRecurringJobManager jobs,
    IOptions<CredentialRecheckOptions> recheck,
    IOptions<Images.ImageStorageOptions> images) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (recheck.Value.Enabled)
        {
            jobs.AddOrUpdate<CredentialRecheckJob>(CredentialRecheckJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
        }
        else
        {
            jobs.RemoveIfExists(CredentialRecheckJob.RecurringJobId);
        }

        if (images.Value.CleanupEnabled)
        {
            jobs.AddOrUpdate<ExpiredImageCleanupJob>(ExpiredImageCleanupJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), "*/10 * * * *");
        }
        else
        {
            jobs.RemoveIfExists(ExpiredImageCleanupJob.RecurringJobId);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
