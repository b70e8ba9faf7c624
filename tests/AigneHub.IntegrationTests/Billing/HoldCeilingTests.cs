using AigneHub.Application.Abstractions;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Usage;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>The hold is the most a call can cost, on a real PostgreSQL.</summary>
public sealed class HoldCeilingTests : IAsyncLifetime
{
    private BillingStore _db = null!;

    public async Task InitializeAsync() => _db = await BillingStore.CreateAsync("hold-ceiling");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static CallEstimate Estimate(string callId, int? maxTokens) =>
        new(callId, CallType.Chat, "gpt-4o-mini", ["openai"], 10, maxTokens, "openai/gpt-4o-mini");

    [Fact]
    public async Task A_stream_ended_at_its_hold_is_charged_the_hold_even_when_the_provider_reports_more()
    {
        await _db.UseCreditsAsync(welcome: 100m, defaultHoldTokens: 20);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing();

        // No max_tokens: the default hold size (20) is what the provider is told; it produced 50 anyway.
        var hold = await billing.HoldAsync(Estimate("overrun", maxTokens: null), CancellationToken.None);
        var charge = await billing.CaptureAsync(hold, "openai", new TokenUsage(10, 50), 0, atMostTheHold: true, CancellationToken.None);

        await using var session = _db.Store.QuerySession();
        var account = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor("alice")))!;
        Assert.Equal((2.1m, (int?)20), (hold.HeldCredits, hold.OutputTokenLimit));
        Assert.Equal(2.1m, charge.Credits);
        Assert.Equal((97.9m, 0m, 0m), (account.Balance, account.Held, account.TotalUncollected));
    }
}
