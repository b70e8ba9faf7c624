namespace AigneHub.Application.Billing.Credits.Commands.ReturnBalanceLeases;

internal sealed class ReturnBalanceLeasesCommandHandler(BalanceLeases leases) : ICommandHandler<ReturnBalanceLeasesCommand>
{
    public async ValueTask<Unit> Handle(ReturnBalanceLeasesCommand command, CancellationToken cancellationToken)
    {
        await leases.StopAsync().WaitAsync(cancellationToken);
        return Unit.Value;
    }
}
