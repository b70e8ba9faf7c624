namespace AigneHub.Application.Billing.Credits.Commands.AdjustCredits;

/// <summary>An operator's correction of a registered user's balance: positive adds, negative removes (never more than is available).</summary>
public sealed record AdjustCreditsCommand(string UserId, decimal Amount, string Reason, string Actor) : ICommand<CreditBalanceView>;
