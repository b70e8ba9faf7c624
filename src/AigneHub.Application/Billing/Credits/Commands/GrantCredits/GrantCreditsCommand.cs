namespace AigneHub.Application.Billing.Credits.Commands.GrantCredits;

/// <summary>
/// An operator gives a registered user credits (opening their account if needed).
/// </summary>
/// <param name="IdempotencyKey">Optional: a retry with the same key grants nothing; the same key for a different grant is refused (409).</param>
/// <param name="By">The operator, whom the delegation rule holds to members' credits unless an owner (<see cref="CreditRecipients.RequireMayChangeAsync"/>).</param>
public sealed record GrantCreditsCommand(
    string UserId, decimal Amount, GrantSource Source, DateTimeOffset? ExpiresAt, string? IdempotencyKey, string Actor, Caller By) : ICommand<GrantOutcome>, IAuditedCommand
{
    public string AuditTarget => $"credits:{UserId}";
}

/// <param name="Granted">False when the idempotency key was already granted (a retry): nothing changed.</param>
public sealed record GrantOutcome(bool Granted, CreditBalanceView Balance);
