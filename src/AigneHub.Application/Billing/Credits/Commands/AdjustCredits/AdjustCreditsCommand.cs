namespace AigneHub.Application.Billing.Credits.Commands.AdjustCredits;

/// <summary>An operator's correction of a registered user's balance: positive adds, negative removes (never more than is available).</summary>
/// <param name="By">The operator, whom the delegation rule holds to members' credits unless an owner (<see cref="CreditRecipients.RequireMayChangeAsync"/>).</param>
public sealed record AdjustCreditsCommand(string UserId, decimal Amount, string Reason, string Actor, Caller By) : ICommand<CreditBalanceView>, IAuditedCommand
{
    public string AuditTarget => $"credits:{UserId}";
}
