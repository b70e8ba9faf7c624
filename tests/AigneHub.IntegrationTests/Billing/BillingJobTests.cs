using AigneHub.Application.Abstractions;
using AigneHub.Application.Billing;
using AigneHub.Application.Billing.Credits.Commands.ExpireGrants;
using AigneHub.Application.Billing.Credits.Commands.RecoverHolds;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>Grant expiry and hold recovery against a real PostgreSQL, with the clock moved past the deadlines.</summary>
public sealed class BillingJobTests : IAsyncLifetime
{
    private BillingStore _db = null!;

    public async Task InitializeAsync() => _db = await BillingStore.CreateAsync("billing-jobs");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private BillingCache Cache(TimeProvider time) => new(_db.Store, time, Options.Create(new BillingOptions { CacheSeconds = 0 }));

    private async Task<CreditAccount> AccountAsync(string user)
    {
        await using var session = _db.Store.QuerySession();
        return (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(user)))!;
    }

    [Fact]
    public async Task Hold_recovery_captures_calls_that_were_served_and_releases_the_rest_once()
    {
        await _db.UseCreditsAsync(welcome: 100m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing();
        var served = Guid.CreateVersion7();
        var lost = Guid.CreateVersion7();
        CallEstimate Estimate(Guid id) => new(id.ToString(), CallType.Chat, "gpt-4o-mini", ["openai"], 10, 100, "openai/gpt-4o-mini");
        await billing.HoldAsync(Estimate(served), CancellationToken.None);
        await billing.HoldAsync(Estimate(lost), CancellationToken.None);

        // The process "died" after the served call's record was written but before its capture.
        await using (var session = _db.Store.LightweightSession())
        {
            session.Store(new CallRecord
            {
                Id = served, RequestId = "r1", Provider = "openai", Model = "gpt-4o-mini", CallType = CallType.Chat, Streamed = false,
                PromptTokens = 20, CompletionTokens = 30, LatencyMs = 5, Status = CallStatus.Succeeded, ErrorKind = ErrorKind.None,
                StartedAt = DateTimeOffset.UtcNow,
            });
            await session.SaveChangesAsync();
        }

        var later = new ShiftedClock(TimeSpan.FromHours(1));
        var recovery = new RecoverHoldsCommandHandler(_db.Store, Cache(later), later, NullLogger<RecoverHoldsCommandHandler>.Instance);
        var early = await new RecoverHoldsCommandHandler(_db.Store, Cache(TimeProvider.System), TimeProvider.System, NullLogger<RecoverHoldsCommandHandler>.Instance)
            .Handle(new RecoverHoldsCommand(), CancellationToken.None);
        var report = await recovery.Handle(new RecoverHoldsCommand(), CancellationToken.None);
        var again = await recovery.Handle(new RecoverHoldsCommand(), CancellationToken.None);

        Assert.Equal(new RecoveryReport(0, 0), early);
        Assert.Equal(new RecoveryReport(1, 1), report);
        Assert.Equal(new RecoveryReport(0, 0), again);
        var account = await AccountAsync("alice");
        await using (var settlements = _db.Store.QuerySession())
        {
            var (servedSettlement, lostSettlement) = (await settlements.LoadAsync<CallSettlement>(served.ToString()), await settlements.LoadAsync<CallSettlement>(lost.ToString()));
            Assert.Equal((Settlement.Captured, Settlement.Released), (servedSettlement!.Settlement, lostSettlement!.Settlement));
        }

        // 20 × 0.01 + 30 × 0.1 = 3.2 credits, charged once.
        Assert.Equal((96.8m, 0m, 3.2m), (account.Available, account.Held, account.TotalSpent));
    }

    [Fact]
    public async Task Expired_grants_leave_the_balance_on_time()
    {
        await BillingStreams.ChangeSettingsAsync(_db.Store, 0, current => BillingDecisions.Change(
            current, new BillingSettingsValues(BillingMode.Credits, 1m, 2m, "$", 30m, 1, null, 100), "test", DateTimeOffset.UtcNow), CancellationToken.None);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0m, outputRate: 1m);
        var billing = _db.Billing();
        var hold = await billing.HoldAsync(new CallEstimate("c1", CallType.Chat, "gpt-4o-mini", ["openai"], 0, 5, "openai/gpt-4o-mini"), CancellationToken.None);
        await billing.CaptureAsync(hold, "openai", new TokenUsage(0, 5), 0, atMostTheHold: false, CancellationToken.None);

        var today = await new ExpireGrantsCommandHandler(_db.Store, Cache(TimeProvider.System), TimeProvider.System).Handle(new ExpireGrantsCommand(), CancellationToken.None);
        var later = new ShiftedClock(TimeSpan.FromDays(2));
        var expiry = await new ExpireGrantsCommandHandler(_db.Store, Cache(later), later).Handle(new ExpireGrantsCommand(), CancellationToken.None);

        Assert.Equal(new ExpiryReport(0, 0m), today);
        Assert.Equal(new ExpiryReport(1, 25m), expiry);
        var account = await AccountAsync("alice");
        Assert.Equal((0m, 25m, 5m), (account.Balance, account.TotalExpired, account.TotalSpent));
    }
}

internal sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
