using AigneHub.Application.Abstractions;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Usage;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>A call with a fallback chain holds for the dearest model of the chain and is charged at the model that served.</summary>
public sealed class FallbackHoldTests : IAsyncLifetime
{
    private BillingStore _db = null!;

    public async Task InitializeAsync() => _db = await BillingStore.CreateAsync("fallback-hold");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task The_hold_covers_a_pricier_fallback_model_and_the_capture_prices_the_model_that_served()
    {
        await _db.UseCreditsAsync(welcome: 100m, defaultHoldTokens: 20);
        await _db.PriceAsync("openai", "cheap", inputRate: 0.01m, outputRate: 0.1m);
        await _db.PriceAsync("anthropic", "dear", inputRate: 0.02m, outputRate: 1m);
        var billing = _db.Billing();
        var estimate = new CallEstimate("fallback", CallType.Chat, "cheap", ["openai"], 10, 20, "openai/cheap")
        {
            Fallbacks = [new FallbackEstimate("dear", ["anthropic"], 10)],
        };

        var hold = await billing.HoldAsync(estimate, CancellationToken.None);
        var charge = await billing.CaptureAsync(hold.ForModel("dear"), "anthropic", new TokenUsage(10, 20), 0, atMostTheHold: false, CancellationToken.None);

        await using var session = _db.Store.QuerySession();
        var account = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor("alice")))!;
        // 10 × 0.02 + 20 × 1: the dearer model's price, not the cheap one's 10 × 0.01 + 20 × 0.1 = 2.1.
        Assert.Equal(20.2m, hold.HeldCredits);
        Assert.Equal(20.2m, charge.Credits);
        Assert.Equal((79.8m, 0m, 0m), (account.Balance, account.Held, account.TotalUncollected));
    }

    [Fact]
    public async Task A_fallback_model_without_a_rate_is_left_out_of_the_hold()
    {
        await _db.UseCreditsAsync(welcome: 100m, defaultHoldTokens: 20);
        await _db.PriceAsync("openai", "cheap", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing();
        var estimate = new CallEstimate("unpriced", CallType.Chat, "cheap", ["openai"], 10, 20, "openai/cheap")
        {
            Fallbacks = [new FallbackEstimate("unpriced", ["anthropic"], 10)],
        };

        var hold = await billing.HoldAsync(estimate, CancellationToken.None);

        Assert.Equal(2.1m, hold.HeldCredits);
        Assert.Empty(hold.Fallbacks);
    }
}
