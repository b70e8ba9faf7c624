namespace AigneHub.Application.Billing.Credits.Commands.ReturnBalanceLeases;

/// <summary>
/// The instance stops: write the captures of calls served from balance leases and return the leases (ADR 0024). Sent by
/// each instance for itself, never through the shared job queue.
/// </summary>
public sealed record ReturnBalanceLeasesCommand : ICommand;
