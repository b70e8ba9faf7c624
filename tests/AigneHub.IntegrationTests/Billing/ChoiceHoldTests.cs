using AigneHub.Application.Abstractions;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Usage;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>A call asking for n choices makes n provider calls, so its hold covers n prompts and n answers.</summary>
public sealed class ChoiceHoldTests : IAsyncLifetime
{
    private BillingStore _db = null!;

    public async Task InitializeAsync() => _db = await BillingStore.CreateAsync("choice-holds");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static CallEstimate Estimate(int? maxTokens, int choices) =>
        new(Guid.CreateVersion7().ToString(), CallType.Chat, "gpt-4o-mini", ["openai"], 10, maxTokens, "openai/gpt-4o-mini", choices);

    [Fact]
    public async Task A_hold_for_three_choices_is_three_times_the_hold_for_one()
    {
        await _db.UseCreditsAsync(welcome: 1000m, defaultHoldTokens: 50);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing();

        var one = await billing.HoldAsync(Estimate(100, 1), CancellationToken.None);
        var three = await billing.HoldAsync(Estimate(100, 3), CancellationToken.None);
        var threeByDefault = await billing.HoldAsync(Estimate(null, 3), CancellationToken.None);

        // 10 × 0.01 + 100 × 0.1 = 10.1 per choice; without max_tokens the default hold size (50) counts per choice.
        Assert.Equal(10.1m, one.HeldCredits);
        Assert.Equal(30.3m, three.HeldCredits);
        Assert.Equal(15.3m, threeByDefault.HeldCredits);
        Assert.Equal(30, three.EstimatedPromptTokens.Tokens);
    }

    [Fact]
    public async Task A_caller_who_can_pay_for_one_choice_but_not_for_three_gets_three_with_the_output_lowered_to_what_the_balance_pays()
    {
        // Issue 16: a short balance lowers the max_tokens sent upstream rather than refusing the call.
        await _db.UseCreditsAsync(welcome: 20m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing();

        var three = await billing.HoldAsync(Estimate(100, 3), CancellationToken.None);

        // 3 × 10 × 0.01 = 0.3 for the prompts leaves 19.7: 65 output tokens per choice (19.5).
        Assert.Equal((19.8m, (int?)65), (three.HeldCredits, three.OutputTokenLimit));
    }

    [Fact]
    public async Task A_caller_who_cannot_pay_for_every_choices_prompt_and_one_output_token_is_refused()
    {
        await _db.UseCreditsAsync(welcome: 0.5m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing();

        // Three choices need 3 × (0.1 + 0.1) = 0.6 at the least; one needs 0.2.
        await Assert.ThrowsAsync<AigneHub.Application.Errors.InsufficientCreditsException>(() => billing.HoldAsync(Estimate(100, 3), CancellationToken.None));
        var one = await billing.HoldAsync(Estimate(100, 1), CancellationToken.None);

        Assert.Equal((0.5m, (int?)4), (one.HeldCredits, one.OutputTokenLimit));
    }
}
