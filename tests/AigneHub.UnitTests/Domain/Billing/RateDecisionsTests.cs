using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Domain.Billing;

public sealed class RateDecisionsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static BillingSettings Settings(decimal margin, decimal basePrice) =>
        BillingSettings.Create(new BillingSettingsChanged(BillingMode.Credits, basePrice, margin, "$", 0m, null, null, 4096, "admin", At));

    [Fact]
    public void Rate_is_unit_cost_plus_margin_divided_by_the_base_credit_price()
    {
        // $0.15 per million input tokens, margin 2 %, one credit = $0.001.
        Assert.Equal(0.000153m, RateDecisions.RateFromUnitCost(0.00000015m, 2m, 0.001m));
        Assert.Equal(0.00001m, RateDecisions.RateFromUnitCost(0.00001m, 0m, 1m));
    }

    [Fact]
    public void Rates_keep_twelve_places_so_a_cheap_model_is_not_priced_at_zero()
    {
        // $0.10 per million tokens at one credit = $1 (the defaults): a ten-millionth of a credit per token, not 0.
        Assert.Equal(0.0000001m, RateDecisions.RateFromUnitCost(0.0000001m, 0m, 1m));
        Assert.Equal(0.00000049m, RateDecisions.RateFromUnitCost(0.00000049m, 0m, 1m));
        Assert.Equal(0.000000000001m, RateDecisions.RateFromUnitCost(0.0000000000005m, 0m, 1m));
        Assert.Equal(0m, RateDecisions.RateFromUnitCost(0.00000000000049m, 0m, 1m));
    }

    [Fact]
    public void A_call_s_price_is_rounded_up_to_the_ledger_s_places_so_no_served_call_is_free()
    {
        var rate = ModelRate.Create(new ModelRateSet("r", "openai", "gpt-4.1-nano", CallType.Chat, 0.0000001m, 0.0000004m, null, null,
            new UnitCosts(0.0000001m, 0.0000004m), false, "admin", "admin", At));

        Assert.Equal(0.000001m, RateDecisions.Cost(rate, new TokenUsage(1, 0)));
        Assert.Equal(0.000001m, RateDecisions.Cost(rate, new TokenUsage(10, 0)));
        Assert.Equal(0.000002m, RateDecisions.Cost(rate, new TokenUsage(10, 1)));
        Assert.Equal(0.0005m, RateDecisions.Cost(rate, new TokenUsage(1000, 1000)));
        Assert.Equal(0m, RateDecisions.Cost(rate, new TokenUsage(0, 0)));
    }

    [Fact]
    public void Setting_the_same_prices_again_makes_no_new_version()
    {
        var values = new RateValues(0.01m, 0.03m, null, null, new UnitCosts(0.01m, 0.03m), false);
        var rate = ModelRate.Create((ModelRateSet)RateDecisions.Set(null, new NewRate(CallType.Chat, "openai", "gpt-4o", values, "admin"), "admin", At).Single());

        Assert.Empty(RateDecisions.Set(rate, new NewRate(CallType.Chat, "openai", "gpt-4o", values with { UnitCosts = new UnitCosts(0.010m, 0.030m) }, "catalogue"), "system", At));
        Assert.Single(RateDecisions.Set(rate, new NewRate(CallType.Chat, "openai", "gpt-4o", values with { Deprecated = true }, "admin"), "admin", At));
    }

    [Fact]
    public void Repricing_follows_the_new_margin_and_skips_rates_without_unit_costs()
    {
        var costs = new UnitCosts(0.000001m, 0.000002m);
        var priced = RateDecisions.FromUnitCosts(costs, Settings(2m, 1m), false);
        var rate = ModelRate.Create((ModelRateSet)RateDecisions.Set(null, new NewRate(CallType.Chat, "openai", "gpt-4o", priced, "unit-cost"), "admin", At).Single());
        var manual = ModelRate.Create((ModelRateSet)RateDecisions.Set(null, new NewRate(CallType.Chat, "openai", "o1", new RateValues(1m, 1m, null, null, null, false), "admin"), "admin", At).Single());

        var repriced = Assert.IsType<ModelRateSet>(Assert.Single(RateDecisions.Reprice(rate, Settings(50m, 0.000001m), "admin", At)));

        Assert.Equal((1.5m, 3m), (repriced.InputRate, repriced.OutputRate));
        Assert.Empty(RateDecisions.Reprice(manual, Settings(50m, 0.000001m), "admin", At));
    }

    [Fact]
    public void Chat_cost_counts_prompt_completion_and_cached_tokens_at_their_rates()
    {
        var rate = ModelRate.Create(new ModelRateSet("r", "openai", "gpt-4o", CallType.Chat, 0.001m, 0.002m, 0.0005m, null,
            new UnitCosts(0.0000025m, 0.00001m, 0.00000125m), false, "admin", "admin", At));

        var usage = new TokenUsage(1000, 500, CachedPromptTokens: 200);

        Assert.Equal((800 * 0.001m) + (200 * 0.0005m) + (500 * 0.002m), RateDecisions.Cost(rate, usage));
        Assert.Equal((800 * 0.0000025m) + (200 * 0.00000125m) + (500 * 0.00001m), RateDecisions.CostUsd(rate, usage));
    }

    [Fact]
    public void Image_cost_is_per_image_plus_prompt_tokens()
    {
        var rate = ModelRate.Create(new ModelRateSet("r", "openai", "dall-e-3", CallType.Image, 0.01m, 40m, null, null, null, false, "admin", "admin", At));

        Assert.Equal((2 * 40m) + (30 * 0.01m), RateDecisions.Cost(rate, new TokenUsage(30, 0), images: 2));
        Assert.Null(RateDecisions.CostUsd(rate, new TokenUsage(30, 0), images: 2));
    }

    [Fact]
    public void A_version_set_without_unit_costs_keeps_the_ones_the_rate_had_so_budgets_still_count_the_model()
    {
        var costs = new UnitCosts(0.0000025m, 0.00001m);
        var rate = ModelRate.Create((ModelRateSet)RateDecisions.Set(null, new NewRate(CallType.Chat, "openai", "gpt-4o",
            new RateValues(0.0025m, 0.01m, null, null, costs, false), "admin"), "admin", At).Single());

        var changed = (ModelRateSet)RateDecisions.Set(rate, new NewRate(CallType.Chat, "openai", "gpt-4o",
            new RateValues(0.002m, 0.01m, null, null, null, false), "admin"), "admin", At).Single();
        rate.Apply(changed);

        Assert.Equal(costs, changed.UnitCosts);
        Assert.Equal(0.002m, rate.InputRate);
        Assert.Equal(0.0125m, RateDecisions.CostUsd(rate, new TokenUsage(1000, 1000)));

        // The price set by hand stays the operator's: a new margin does not re-derive it from the kept unit costs.
        Assert.Empty(RateDecisions.Reprice(rate, Settings(50m, 0.000001m), "admin", At));
    }

    [Fact]
    public void Negative_or_too_precise_rates_are_refused()
    {
        Assert.Equal("input_rate", Assert.Throws<CreditRuleException>(() =>
            RateDecisions.Set(null, new NewRate(CallType.Chat, "openai", "m", new RateValues(-1m, 0m, null, null, null, false), "admin"), "admin", At)).Field);
        Assert.Equal("output_rate", Assert.Throws<CreditRuleException>(() =>
            RateDecisions.Set(null, new NewRate(CallType.Chat, "openai", "m", new RateValues(0m, 0.0000000000001m, null, null, null, false), "admin"), "admin", At)).Field);
    }

    [Fact]
    public void Rates_and_unit_costs_too_large_to_price_a_call_are_refused_before_anything_is_computed()
    {
        const decimal huge = 79_000_000_000_000_000_000_000_000_000m;

        Assert.Equal("input_rate", Assert.Throws<CreditRuleException>(() =>
            RateDecisions.Set(null, new NewRate(CallType.Chat, "openai", "m", new RateValues(huge, 0m, null, null, null, false), "admin"), "admin", At)).Field);
        Assert.Equal("unit_costs", Assert.Throws<CreditRuleException>(() =>
            RateDecisions.FromUnitCosts(new UnitCosts(huge, 0m), Settings(2m, 1m), false)).Field);
        Assert.Equal("input_rate", Assert.Throws<CreditRuleException>(() => RateDecisions.Set(
            null, new NewRate(CallType.Chat, "openai", "m", RateDecisions.FromUnitCosts(new UnitCosts(Credits.MaxRate, 0m), Settings(2m, 0.000001m), false), "unit-cost"), "admin", At)).Field);
    }
}
