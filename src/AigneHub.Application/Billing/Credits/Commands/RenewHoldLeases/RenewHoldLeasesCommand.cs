namespace AigneHub.Application.Billing.Credits.Commands.RenewHoldLeases;

/// <summary>
/// Renews the leases of the holds of this instance's calls in flight (those running longer than a renewal period), so
/// that hold recovery leaves them alone, and deletes the leases of calls that settled. Sent by each instance on its own
/// timer, never through the shared job queue: only the instance running a call can vouch that it is alive.
/// </summary>
public sealed record RenewHoldLeasesCommand : ICommand<LeaseRenewal>;

/// <param name="InFlight">Calls this instance holds credits for.</param>
public sealed record LeaseRenewal(int InFlight);
