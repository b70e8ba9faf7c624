using AigneHub.Application.Billing.Common;
using AigneHub.Domain.Billing;
using Mediator;

namespace AigneHub.Application.Billing.Credits.Commands.GrantCredits;

/// <summary>Gives a user credits (opening their account if needed). A repeated reference (payment id) grants nothing.</summary>
public sealed record GrantCreditsCommand(
    string UserId, decimal Amount, GrantSource Source, DateTimeOffset? ExpiresAt, string? Reference, string Actor) : ICommand<CreditBalanceView>;
