using AigneHub.Application.Billing;
using AigneHub.Application.Billing.Credits.Commands.RenewHoldLeases;

namespace AigneHub.Infrastructure.Billing;

/// <summary>
/// Renews the holds of this instance's calls in flight every <see cref="BillingOptions.HoldRenewalPeriod"/>. A timer of
/// each instance, not a Hangfire job: a lease says "the instance running this call is alive", which only that instance
/// can say.
/// </summary>
internal sealed partial class HoldLeaseRenewer(IMediator mediator, TimeProvider time, IOptions<BillingOptions> options, ILogger<HoldLeaseRenewer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.HoldRenewalPeriod;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(period, time, stoppingToken);
                try
                {
                    await mediator.Send(new RenewHoldLeasesCommand(), stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A renewal that fails must not stop the timer (nor the host): the next one tries again.
                    LogFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: calls still in flight keep the leases written last; they settle themselves before the host ends.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the holds of calls in flight failed; retrying at the next renewal")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
