using Mediator;

namespace AigneHub.Application.Billing.Credits.Commands.RecoverHolds;

/// <summary>
/// Settles the holds whose call never settled them (the process died, or the capture failed) once they are past their
/// expiry: a call whose record shows it was served is captured at the cost of its recorded usage; any other is
/// released in full. Capture is idempotent by call id, so a late settlement by the call itself charges nothing twice.
/// </summary>
public sealed record RecoverHoldsCommand : ICommand<RecoveryReport>;

public sealed record RecoveryReport(int Captured, int Released);
