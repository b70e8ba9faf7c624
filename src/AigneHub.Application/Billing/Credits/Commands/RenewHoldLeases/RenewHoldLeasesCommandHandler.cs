namespace AigneHub.Application.Billing.Credits.Commands.RenewHoldLeases;

internal sealed class RenewHoldLeasesCommandHandler(HoldLeases leases) : ICommandHandler<RenewHoldLeasesCommand, LeaseRenewal>
{
    public async ValueTask<LeaseRenewal> Handle(RenewHoldLeasesCommand command, CancellationToken cancellationToken)
    {
        await leases.RenewAsync(cancellationToken);
        return new LeaseRenewal(leases.InFlight);
    }
}
