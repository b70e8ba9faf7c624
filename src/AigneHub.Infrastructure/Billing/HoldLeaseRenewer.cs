using AigneHub.Application.Billing.Common;
using AigneHub.Application.Billing.Credits.Commands.RenewHoldLeases;
using Mediator;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Billing;

/// <summary>
/// Renews the holds of this instance's calls in flight every <see cref="BillingOptions.HoldRenewalPeriod"/>. A timer of
/// each instance, not a Hangfire job: a lease says "the instance running this call is alive", which only that instance
/// can say.
/// </summary>
internal sealed class HoldLeaseRenewer(IMediator mediator, TimeProvider time, IOptions<BillingOptions> options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = options.Value.HoldRenewalPeriod;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(period, time, stoppingToken);
                await mediator.Send(new RenewHoldLeasesCommand(), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: calls still in flight keep the leases written last; they settle themselves before the host ends.
        }
    }
}
