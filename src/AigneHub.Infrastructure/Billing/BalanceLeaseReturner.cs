using AigneHub.Application.Billing.Credits.Commands.ReturnBalanceLeases;

namespace AigneHub.Infrastructure.Billing;

/// <summary>
/// Returns this instance's balance leases when it stops (ADR 0024), while the database is still there (an embedded
/// PostgreSQL stops after the hosted services registered after it).
/// </summary>
internal sealed partial class BalanceLeaseReturner(IMediator mediator, ILogger<BalanceLeaseReturner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await mediator.Send(new ReturnBalanceLeasesCommand(), cancellationToken);
        }
        catch (Exception ex)
        {
            // The leases lapse and hold recovery returns them.
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Returning this instance's balance leases at stop failed; hold recovery returns them once they lapse")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
