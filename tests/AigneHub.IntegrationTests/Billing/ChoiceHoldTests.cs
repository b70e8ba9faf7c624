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
        Assert.Equal(30, three.EstimatedPromptTokens);
    }

    [Fact]
    public async Task A_caller_who_can_pay_for_one_choice_but_not_for_three_is_refused()
    {
        await _db.UseCreditsAsync(welcome: 20m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing();

        await Assert.ThrowsAsync<AigneHub.Application.Common.Errors.InsufficientCreditsException>(() => billing.HoldAsync(Estimate(100, 3), CancellationToken.None));
        var one = await billing.HoldAsync(Estimate(100, 1), CancellationToken.None);

        Assert.Equal(10.1m, one.HeldCredits);
    }
}
