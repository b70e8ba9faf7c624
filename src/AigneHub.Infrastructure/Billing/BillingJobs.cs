using AigneHub.Application.Billing.Credits.Commands.ExpireGrants;
using AigneHub.Application.Billing.Credits.Commands.RecoverHolds;
using AigneHub.Application.Billing.Rates.Commands.SyncRateCatalogue;

namespace AigneHub.Infrastructure.Billing;

/// <summary>
/// The Hangfire face of the billing jobs: each sends its command and nothing else. Public because Hangfire activates
/// it by its type name. A failed run is not retried: the next scheduled run is the retry, and every job is idempotent.
/// </summary>
public sealed class BillingJobs(IMediator mediator)
{
    public const string GrantExpiryJobId = "billing-grant-expiry";
    public const string HoldRecoveryJobId = "billing-hold-recovery";
    public const string RateSyncJobId = "billing-rate-sync";

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [Queue(Jobs.JobQueues.Billing)]
    public async Task<ExpiryReport> ExpireGrantsAsync(CancellationToken cancellationToken) =>
        await mediator.Send(new ExpireGrantsCommand(), cancellationToken);

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [Queue(Jobs.JobQueues.Billing)]
    public async Task<RecoveryReport> RecoverHoldsAsync(CancellationToken cancellationToken) =>
        await mediator.Send(new RecoverHoldsCommand(), cancellationToken);

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 300)]
    [Queue(Jobs.JobQueues.Billing)]
    public async Task<RateSyncReport> SyncRatesAsync(CancellationToken cancellationToken) =>
        await mediator.Send(new SyncRateCatalogueCommand(DryRun: false, "system:rate-sync"), cancellationToken);
}
