using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Billing;

/// <summary>Puts the billing jobs on (or takes them off) Hangfire's shared schedule at start-up.</summary>
internal sealed class BillingJobSchedule(IRecurringJobManager jobs, IOptions<BillingJobsOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        Schedule(BillingJobs.GrantExpiryJobId, settings.Enabled, () => jobs.AddOrUpdate<BillingJobs>(
            BillingJobs.GrantExpiryJobId, job => job.ExpireGrantsAsync(CancellationToken.None), settings.GrantExpiryCron));
        Schedule(BillingJobs.HoldRecoveryJobId, settings.Enabled, () => jobs.AddOrUpdate<BillingJobs>(
            BillingJobs.HoldRecoveryJobId, job => job.RecoverHoldsAsync(CancellationToken.None), settings.HoldRecoveryCron));
        Schedule(BillingJobs.RateSyncJobId, settings.Enabled && settings.RateSyncEnabled, () => jobs.AddOrUpdate<BillingJobs>(
            BillingJobs.RateSyncJobId, job => job.SyncRatesAsync(CancellationToken.None), settings.RateSyncCron));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Schedule(string id, bool enabled, Action add)
    {
        if (enabled)
        {
            add();
        }
        else
        {
            jobs.RemoveIfExists(id);
        }
    }
}
