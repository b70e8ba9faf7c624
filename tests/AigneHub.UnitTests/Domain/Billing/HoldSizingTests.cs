using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Domain.Billing;

/// <summary>A hold is the most a call can cost: sized from the prompt bound and the output the provider is allowed.</summary>
public sealed class HoldSizingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static ModelRate Rate(string provider, decimal input, decimal output, decimal? cacheRead = null) =>
        ModelRate.Create(new ModelRateSet($"rate:chat:{provider}/m", provider, "m", CallType.Chat, input, output, cacheRead, null, null, false, "admin", "admin", At));

    [Fact]
    public void A_call_the_balance_can_pay_for_holds_its_prompt_and_all_the_output_it_asked_for()
    {
        var size = HoldSizing.Chat([Rate("openai", 0.01m, 0.1m)], promptTokens: 10, choices: 1, wantedOutputTokens: 100, available: 50m);

        // 10 × 0.01 + 100 × 0.1
        Assert.Equal(new ChatHoldSize(100, 10.1m), size);
    }

    [Fact]
    public void A_short_balance_lowers_the_output_to_the_most_it_can_pay_for()
    {
        var rate = Rate("openai", 0.01m, 0.1m);

        var size = HoldSizing.Chat([rate], promptTokens: 10, choices: 1, wantedOutputTokens: 100, available: 5m);

        // 5 − 10 × 0.01 = 4.9 pays for 49 output tokens; a 50th would cost 5.1.
        Assert.Equal(new ChatHoldSize(49, 5m), size);
        Assert.True(RateDecisions.Cost(rate, new TokenUsage(10, 50)) > 5m);
    }

    [Fact]
    public void A_call_that_cannot_pay_for_its_prompt_and_one_output_token_is_refused()
    {
        var error = Assert.Throws<CreditRuleException>(() =>
            HoldSizing.Chat([Rate("openai", 0.01m, 0.1m)], promptTokens: 1000, choices: 1, wantedOutputTokens: 100, available: 10m));

        Assert.Equal(CreditRule.InsufficientCredits, error.Rule);
        Assert.Equal("Not enough credits: this call needs at least 10.1 credits (its prompt and one output token) and 10 are available.", error.Message);
    }

    [Fact]
    public void Every_choice_holds_its_prompt_and_its_output()
    {
        var size = HoldSizing.Chat([Rate("openai", 0.01m, 0.1m)], promptTokens: 10, choices: 3, wantedOutputTokens: 100, available: 20m);

        // 3 × 10 × 0.01 = 0.3 for the prompts; 19.7 pays for 197 output tokens, 65 per choice.
        Assert.Equal(new ChatHoldSize(65, 19.8m), size);
    }

    [Fact]
    public void The_hold_is_sized_at_the_dearest_provider_that_may_serve_the_call()
    {
        var cheap = Rate("deepseek", 0.001m, 0.002m);
        var dear = Rate("openai", 0.01m, 0.1m);

        Assert.Equal(new ChatHoldSize(100, 10.1m), HoldSizing.Chat([cheap, dear], 10, 1, 100, 50m));
        Assert.Equal(new ChatHoldSize(19, 2m), HoldSizing.Chat([cheap, dear], 10, 1, 100, 2m));
    }

    [Fact]
    public void A_prompt_is_priced_at_the_cache_read_rate_when_that_is_dearer_than_the_input_rate()
    {
        // Whether the provider serves the prompt from its cache is only known afterwards.
        Assert.Equal(2m, HoldSizing.Ceiling([Rate("openai", 0.01m, 0.1m, cacheRead: 0.2m)], promptTokens: 10, outputTokens: 0));
        Assert.Equal(0.1m, HoldSizing.Ceiling([Rate("openai", 0.01m, 0.1m, cacheRead: 0.005m)], promptTokens: 10, outputTokens: 0));
    }

    [Fact]
    public void Output_that_costs_nothing_is_never_lowered()
    {
        Assert.Equal(new ChatHoldSize(int.MaxValue, 0.2m), HoldSizing.Chat([Rate("ollama", 0.01m, 0m)], 10, 2, int.MaxValue, 0.2m));
    }
}
