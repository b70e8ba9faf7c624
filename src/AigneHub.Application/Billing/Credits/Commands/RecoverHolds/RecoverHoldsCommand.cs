namespace AigneHub.Application.Billing.Credits.Commands.RecoverHolds;

/// <summary>
/// Settles the holds whose call has no live owner: past their expiry, and with no lease that the instance running the
/// call renewed (the instance died, or the call ended without settling). A call whose record shows it was served is
/// captured at the cost of its recorded usage, priced at the rate version the record cites; any other is released in
/// full. Capture is idempotent by call id, so a late settlement by the call itself charges nothing twice. Balance
/// leases (ADR 0024) whose instance stopped renewing them are returned in full.
/// </summary>
public sealed record RecoverHoldsCommand : ICommand<RecoveryReport>;

/// <param name="Live">Overdue holds left alone because their call's owner is still renewing them.</param>
/// <param name="LeasesReturned">Lapsed balance leases returned to their accounts.</param>
public sealed record RecoveryReport(int Captured, int Released, int Live = 0, int LeasesReturned = 0);
