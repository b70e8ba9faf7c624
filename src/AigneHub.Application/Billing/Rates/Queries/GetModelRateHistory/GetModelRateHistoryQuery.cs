namespace AigneHub.Application.Billing.Rates.Queries.GetModelRateHistory;

/// <summary>Every version of one model's rate, oldest first.</summary>
public sealed record GetModelRateHistoryQuery(CallType Type, string Provider, string Model) : IQuery<IReadOnlyList<RateView>>;
