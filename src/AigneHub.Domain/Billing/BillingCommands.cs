namespace AigneHub.Domain.Billing;

/// <summary>Credits to grant, as <see cref="CreditLedger.Grant"/> takes them.</summary>
/// <param name="Reference">A purchase's payment id or an operator's idempotency key: a grant is made once per reference.</param>
public sealed record NewGrant(Guid GrantId, decimal Amount, GrantSource Source, DateTimeOffset? ExpiresAt, string? Reference);

/// <summary>A rate to set for (type, provider, model), as <see cref="RateDecisions.Set"/> takes it.</summary>
/// <param name="Source">Where the price came from ("admin", "unit-cost", "catalogue", "reprice").</param>
public sealed record NewRate(CallType Type, string Provider, string Model, RateValues Values, string Source);

/// <summary>
/// What a served call is charged, as <see cref="CreditLedger.Capture"/> and <see cref="CreditLedger.CaptureFromLease"/>
/// take it: its exact cost in credits, the rate version that priced it (none when the model has no rate), the usage it
/// was priced on, and the provider's cost in US dollars when the rate knows it.
/// </summary>
public sealed record CallCapture(string CallId, decimal Cost, string? RateId, int? RateVersion, Usage.TokenUsage Usage, decimal? CostUsd = null);
