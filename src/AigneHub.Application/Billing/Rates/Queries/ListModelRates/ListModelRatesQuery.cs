namespace AigneHub.Application.Billing.Rates.Queries.ListModelRates;

/// <summary>The current version of every rate, optionally of one provider.</summary>
public sealed record ListModelRatesQuery(string? Provider) : IQuery<IReadOnlyList<RateView>>;
