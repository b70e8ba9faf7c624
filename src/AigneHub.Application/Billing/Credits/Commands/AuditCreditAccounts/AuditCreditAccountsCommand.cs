namespace AigneHub.Application.Billing.Credits.Commands.AuditCreditAccounts;

/// <summary>
/// Replays one account (or every account) from its ledger events and compares the result with the stored projection.
/// A command rather than a query because it is an audit act an operator asks for, and may take a while.
/// </summary>
public sealed record AuditCreditAccountsCommand(string? UserId) : ICommand<AuditReport>;

/// <param name="Uncollected">
/// The accounts whose calls cost more than their hold and balance could pay (their stored total), by user id: empty
/// while every hold is a ceiling.
/// </param>
public sealed record AuditReport(int AccountsChecked, IReadOnlyList<AuditMismatch> Mismatches, IReadOnlyList<UncollectedCredits> Uncollected)
{
    public decimal TotalUncollected => Uncollected.Sum(u => u.Amount);
}

public sealed record UncollectedCredits(string UserId, decimal Amount);

/// <param name="Projected">The stored balance figures ("balance=…, held=…, …"); null when no projection exists.</param>
/// <param name="Replayed">The same figures from the replay.</param>
public sealed record AuditMismatch(string UserId, string? Projected, string Replayed);
