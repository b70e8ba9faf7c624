using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Errors;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Usage;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>Holds on one account from many calls at once, on a real PostgreSQL.</summary>
public sealed class ConcurrentHoldTests : IAsyncLifetime
{
    private BillingStore _db = null!;

    public async Task InitializeAsync() => _db = await BillingStore.CreateAsync("holds");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static CallEstimate Estimate(string callId, int maxTokens = 10) =>
        new(callId, CallType.Chat, "gpt-4o-mini", ["openai"], 0, maxTokens, "openai/gpt-4o-mini");

    [Fact]
    public async Task Hundred_concurrent_calls_on_an_account_that_affords_ten_serve_at_most_ten_and_never_overspend()
    {
        // Each call holds 10 output tokens at 1 credit each; the welcome grant of 100 credits affords exactly ten.
        await _db.UseCreditsAsync(welcome: 100m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0m, outputRate: 1m);
        var billing = _db.Billing();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            await Task.Yield();
            try
            {
                await billing.HoldAsync(Estimate($"call-{i}"), CancellationToken.None);
                return "held";
            }
            catch (InsufficientCreditsException)
            {
                return "refused";
            }
        }));

        await using var session = _db.Store.QuerySession();
        var account = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor("alice")))!;
        Assert.Equal(10, outcomes.Count(o => o == "held"));
        Assert.Equal(90, outcomes.Count(o => o == "refused"));
        Assert.Equal((100m, 100m, 0m), (account.Balance, account.Held, account.Available));
        Assert.Equal(100m, account.TotalGranted);

        var replayed = await session.Events.AggregateStreamAsync<CreditAccount>(CreditAccount.StreamIdFor("alice"));
        // Compared as stored: the settled call ids a replay rebuilds in memory are not part of the stored account.
        var asStored = new JsonSerializerOptions
        {
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver { Modifiers = { Infrastructure.Persistence.UnstoredStateModifier.Apply } },
        };
        Assert.Equal(JsonSerializer.Serialize(replayed, asStored), JsonSerializer.Serialize(account, asStored));
    }

    [Fact]
    public async Task Concurrent_holds_on_a_short_balance_lower_the_output_of_the_call_that_finds_it_short_and_never_hold_more_than_the_balance()
    {
        // 100 credits; each call wants 30 output tokens at 1 credit: three fit whole, one gets the 10 left.
        await _db.UseCreditsAsync(welcome: 100m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0m, outputRate: 1m);
        var billing = _db.Billing();

        var holds = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await Task.Yield();
            try
            {
                return await billing.HoldAsync(Estimate($"short-{i}", maxTokens: 30), CancellationToken.None);
            }
            catch (InsufficientCreditsException)
            {
                return null;
            }
        }));

        var held = holds.OfType<CallHold>().ToArray();
        Assert.Equal([10, 30, 30, 30], held.Select(h => h.OutputTokenLimit!.Value).Order());
        Assert.Equal(100m, held.Sum(h => h.HeldCredits!.Value));
        await using var session = _db.Store.QuerySession();
        var account = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor("alice")))!;
        Assert.Equal((100m, 100m, 0m), (account.Balance, account.Held, account.Available));
    }

    [Fact]
    public async Task The_welcome_grant_is_given_exactly_once_when_the_first_ten_calls_arrive_at_once()
    {
        await _db.UseCreditsAsync(welcome: 50m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0m, outputRate: 0.5m);
        _db.Caller.UserId = "newcomer";
        var billing = _db.Billing();

        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => billing.HoldAsync(Estimate($"first-{i}", maxTokens: 2), CancellationToken.None))));

        await using var session = _db.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(CreditAccount.StreamIdFor("newcomer"));
        Assert.Single(events, e => e.Data is Domain.Billing.Events.CreditsGranted);
        Assert.Single(events, e => e.Data is Domain.Billing.Events.CreditAccountOpened);
        Assert.Equal(10, events.Count(e => e.Data is Domain.Billing.Events.CreditsHeld));
        var account = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor("newcomer")))!;
        Assert.Equal((50m, 10m, 40m), (account.Balance, account.Held, account.Available));
    }

    [Fact]
    public async Task A_served_call_is_captured_once_at_its_exact_cost_and_the_rest_returns()
    {
        await _db.UseCreditsAsync(welcome: 100m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 1m, new Domain.Billing.Events.UnitCosts(0.00001m, 0.001m));
        var billing = _db.Billing();

        var hold = await billing.HoldAsync(Estimate("served", maxTokens: 50), CancellationToken.None);
        var charge = await billing.CaptureAsync(hold, "openai", new TokenUsage(100, 7), 0, atMostTheHold: false, CancellationToken.None);
        var again = await billing.CaptureAsync(hold, "openai", new TokenUsage(100, 7), 0, atMostTheHold: false, CancellationToken.None);

        Assert.Equal(50m, hold.HeldCredits);
        Assert.Equal((8m, 0.008m, 1), (charge.Credits!.Value, charge.CostUsd!.Value, charge.RateVersion!.Value));
        Assert.Null(again.Credits);
        var account = (await _db.Store.QuerySession().LoadAsync<CreditAccount>(CreditAccount.StreamIdFor("alice")))!;
        Assert.Equal((92m, 0m, 8m), (account.Available, account.Held, account.TotalSpent));
    }

    [Fact]
    public async Task A_failed_call_is_released_in_full()
    {
        await _db.UseCreditsAsync(welcome: 100m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0m, outputRate: 1m);
        var billing = _db.Billing();

        var hold = await billing.HoldAsync(Estimate("failed", maxTokens: 30), CancellationToken.None);
        await billing.ReleaseAsync(hold, "upstream failed", CancellationToken.None);

        var account = (await _db.Store.QuerySession().LoadAsync<CreditAccount>(CreditAccount.StreamIdFor("alice")))!;
        Assert.Equal((100m, 0m, 0m), (account.Available, account.Held, account.TotalSpent));
        Assert.Equal(Settlement.Released, (await _db.Store.QuerySession().LoadAsync<CallSettlement>("failed"))!.Settlement);
    }

    [Fact]
    public async Task Credits_mode_refuses_a_model_without_a_rate_and_a_call_without_a_caller()
    {
        await _db.UseCreditsAsync(welcome: 100m);
        var billing = _db.Billing();

        var noRate = await Assert.ThrowsAsync<RequestValidationException>(() => billing.HoldAsync(Estimate("unpriced"), CancellationToken.None));
        _db.Caller.UserId = null;
        await Assert.ThrowsAsync<UnauthenticatedException>(() => billing.HoldAsync(Estimate("anonymous"), CancellationToken.None));

        Assert.Equal("model", noRate.Violations[0].Field);
    }

    [Fact]
    public async Task Enterprise_mode_holds_nothing_but_still_costs_the_call_in_dollars()
    {
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 1m, new Domain.Billing.Events.UnitCosts(0.00001m, 0.001m));
        _db.Caller.UserId = null;
        var billing = _db.Billing();

        var hold = await billing.HoldAsync(Estimate("enterprise"), CancellationToken.None);
        var charge = await billing.CaptureAsync(hold, "openai", new TokenUsage(100, 7), 0, atMostTheHold: false, CancellationToken.None);

        Assert.False(hold.IsHeld);
        Assert.Equal(((decimal?)null, 0.008m), (charge.Credits, charge.CostUsd!.Value));
    }
}
