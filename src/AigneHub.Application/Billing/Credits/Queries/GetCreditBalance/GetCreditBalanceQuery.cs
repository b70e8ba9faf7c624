namespace AigneHub.Application.Billing.Credits.Queries.GetCreditBalance;

/// <summary>A user's balance now, or as it was at <paramref name="AsOf"/> (replayed from the ledger up to that moment).</summary>
public sealed record GetCreditBalanceQuery(string UserId, DateTimeOffset? AsOf = null) : IQuery<CreditBalanceView>;
