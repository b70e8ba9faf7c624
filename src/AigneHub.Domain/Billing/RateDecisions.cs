namespace AigneHub.Domain.Billing;

/// <summary>Pricing rules: how rates follow from unit costs, and when a change is a new rate version.</summary>
public static class RateDecisions
{
    /// <summary><c>rate = unitCostUsd × (1 + margin / 100) ÷ baseCreditPrice</c>, rounded to <see cref="Credits.RateScale"/>.</summary>
    public static decimal RateFromUnitCost(decimal unitCostUsd, decimal profitMarginPercent, decimal baseCreditPrice) =>
        Credits.RoundRate(unitCostUsd * (1m + (profitMarginPercent / 100m)) / baseCreditPrice);

    public static RateValues FromUnitCosts(UnitCosts costs, BillingSettings settings, bool deprecated)
    {
        RequireUnitCosts(costs);
        decimal? Price(decimal? usd) => usd is { } value ? RateFromUnitCost(value, settings.ProfitMarginPercent, settings.BaseCreditPrice) : null;
        return new RateValues(
            Price(costs.InputUsd)!.Value,
            Price(costs.OutputUsd)!.Value,
            Price(costs.CacheReadUsd),
            Price(costs.CacheWriteUsd),
            costs,
            deprecated);
    }

    /// <summary>
    /// A new rate version, or none when nothing would change (so a re-sync of the same prices is silent). A version set
    /// without unit costs keeps the ones the rate had: spend budgets count a model by its unit costs, so dropping them
    /// would let whoever may set a rate stop every budget (the hub's, their own) from counting that model.
    /// </summary>
    public static IReadOnlyList<object> Set(ModelRate? current, NewRate rate, string by, DateTimeOffset at)
    {
        var (type, provider, model, values, source) = rate;
        if (values.UnitCosts is null && current?.UnitCosts is { } kept)
        {
            values = values with { UnitCosts = kept };
        }

        Require(values.InputRate, "input_rate");
        Require(values.OutputRate, "output_rate");
        Require(values.CacheReadRate, "cache_read_rate");
        Require(values.CacheWriteRate, "cache_write_rate");
        if (values.UnitCosts is { } costs)
        {
            RequireUnitCosts(costs);
        }

        if (current is not null && Same(current, values))
        {
            return [];
        }

        return [new ModelRateSet(ModelRate.StreamIdFor(type, provider, model), provider, model, type, values.InputRate, values.OutputRate,
            values.CacheReadRate, values.CacheWriteRate, values.UnitCosts, values.Deprecated, source, by, at)];
    }

    /// <summary>The source of a rate an operator set by hand (<c>PUT /api/admin/rates</c>): re-pricing and catalogue syncs leave it alone.</summary>
    public const string ManualSource = "admin";

    /// <summary>
    /// The rate re-priced from its unit costs under new settings; none for a rate set by hand (its price is the
    /// operator's, whatever unit costs it keeps for budgets), without unit costs, or with no change.
    /// </summary>
    public static IReadOnlyList<object> Reprice(ModelRate current, BillingSettings settings, string by, DateTimeOffset at) =>
        current.UnitCosts is { } costs && current.Source != ManualSource
            ? Set(current, new NewRate(current.Type, current.Provider, current.Model, FromUnitCosts(costs, settings, current.Deprecated), "reprice"), by, at)
            : [];

    /// <summary>
    /// Credits a call costs: <c>prompt·input + completion·output</c> for chat and embeddings (cached prompt tokens at the
    /// cache-read rate when there is one); for images <c>n·output + prompt·input</c>; rounded up to the ledger's places.
    /// </summary>
    public static decimal Cost(ModelRate rate, TokenUsage usage, int images = 0) =>
        Credits.RoundUp(Price(rate.InputRate, rate.OutputRate, rate.CacheReadRate, usage, images, rate.Type));

    /// <summary>The provider's charge in US dollars for the same usage, from the rate's unit costs.</summary>
    public static decimal? CostUsd(ModelRate rate, TokenUsage usage, int images = 0) =>
        rate.UnitCosts is { } costs ? Credits.RoundUsd(Price(costs.InputUsd, costs.OutputUsd, costs.CacheReadUsd, usage, images, rate.Type)) : null;

    private static decimal Price(decimal input, decimal output, decimal? cacheRead, TokenUsage usage, int images, CallType type)
    {
        if (type == CallType.Image)
        {
            return (images * output) + (usage.PromptTokens * input);
        }

        var cached = cacheRead is null ? 0 : Math.Clamp(usage.CachedPromptTokens, 0, usage.PromptTokens);
        return ((usage.PromptTokens - cached) * input) + (cached * (cacheRead ?? 0m)) + (usage.CompletionTokens * output);
    }

    private static bool Same(ModelRate current, RateValues values) =>
        current.InputRate == values.InputRate
        && current.OutputRate == values.OutputRate
        && current.CacheReadRate == values.CacheReadRate
        && current.CacheWriteRate == values.CacheWriteRate
        && current.Deprecated == values.Deprecated
        && current.UnitCosts == values.UnitCosts;

    private static void RequireUnitCosts(UnitCosts costs)
    {
        if (new[] { costs.InputUsd, costs.OutputUsd, costs.CacheReadUsd, costs.CacheWriteUsd }.Any(c => c is < 0 or > Credits.MaxRate))
        {
            throw new CreditRuleException(CreditRule.InvalidValue, "unit_costs", $"Unit costs must be between 0 and {Credits.MaxRate} US dollars.");
        }
    }

    private static void Require(decimal? rate, string field)
    {
        if (rate is { } value && (value is < 0 or > Credits.MaxRate || value != Credits.RoundRate(value)))
        {
            throw new CreditRuleException(CreditRule.InvalidValue, field, $"{field} must be between 0 and {Credits.MaxRate}, with at most {Credits.RateScale} decimal places.");
        }
    }
}
