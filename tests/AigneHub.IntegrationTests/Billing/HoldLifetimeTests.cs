using AigneHub.Application.Abstractions;
using AigneHub.Application.Billing;
using AigneHub.Application.Billing.Credits.Commands.AuditCreditAccounts;
using AigneHub.Application.Billing.Credits.Commands.RecoverHolds;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Usage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>
/// How long a hold lives and what prices it: calls that outlive Billing:HoldMinutes, owners that die, late captures,
/// and rates that change while a call runs, on a real PostgreSQL with a clock the test moves.
/// </summary>
public sealed class HoldLifetimeTests : IAsyncLifetime
{
    private const string Model = "gpt-4o-mini";
    private readonly MovableClock _clock = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private BillingStore _db = null!;

    public async Task InitializeAsync()
    {
        _db = await BillingStore.CreateAsync("hold-lifetime");
        await _db.UseCreditsAsync(welcome: 1000m);
        await _db.PriceAsync("openai", Model, inputRate: 0.01m, outputRate: 0.1m);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static CallEstimate Estimate(Guid callId, int maxTokens = 1000) =>
        new(callId.ToString(), CallType.Chat, Model, ["openai"], 10, maxTokens, $"openai/{Model}");

    private RecoverHoldsCommandHandler Recovery() =>
        new(_db.Store, new BillingCache(_db.Store, _clock, Options.Create(new BillingOptions { CacheSeconds = 0 })), _clock, NullLogger<RecoverHoldsCommandHandler>.Instance);

    private async Task<CreditAccount> AccountAsync()
    {
        await using var session = _db.Store.QuerySession();
        return (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor("alice")))!;
    }

    private async Task<IReadOnlyList<object>> LedgerAsync()
    {
        await using var session = _db.Store.QuerySession();
        return (await session.Events.FetchStreamAsync(CreditAccount.StreamIdFor("alice"))).Select(e => e.Data).ToArray();
    }

    private async Task RecordServedAsync(Guid callId, int prompt, int completion, CallCharge charge)
    {
        await using var session = _db.Store.LightweightSession();
        session.Store(new CallRecord
        {
            Id = callId, RequestId = "r", Provider = "openai", Model = Model, CallType = CallType.Chat, Streamed = true,
            PromptTokens = prompt, CompletionTokens = completion, LatencyMs = 5, Status = CallStatus.Succeeded, ErrorKind = ErrorKind.None,
            StartedAt = _clock.GetUtcNow(), UserId = "alice", RateId = charge.RateId, RateVersion = charge.RateVersion,
        });
        await session.SaveChangesAsync();
    }

    [Fact]
    public async Task A_call_running_past_its_hold_time_keeps_its_hold_and_is_charged_in_full()
    {
        var leases = _db.Leases(_clock);
        var billing = _db.Billing(_clock, leases);
        var call = Guid.CreateVersion7();
        var hold = await billing.HoldAsync(Estimate(call), CancellationToken.None);

        // The call runs for 40 minutes (HoldMinutes is 15); its instance renews every 5 minutes, and recovery runs throughout.
        var reports = new List<RecoveryReport>();
        for (var minute = 5; minute <= 40; minute += 5)
        {
            _clock.Advance(TimeSpan.FromMinutes(5));
            await leases.RenewAsync(CancellationToken.None);
            reports.Add(await Recovery().Handle(new RecoverHoldsCommand(), CancellationToken.None));
        }

        var charge = await billing.CaptureAsync(hold, "openai", new TokenUsage(10, 900), 0, atMostTheHold: false, CancellationToken.None);

        Assert.All(reports, r => Assert.Equal((0, 0), (r.Captured, r.Released)));
        Assert.Equal(6, reports.Count(r => r.Live == 1)); // overdue from minute 15 on, and left alone
        Assert.Equal(90.1m, charge.Credits); // 10 × 0.01 + 900 × 0.1
        var account = await AccountAsync();
        Assert.Equal((909.9m, 0m, 90.1m), (account.Balance, account.Held, account.TotalSpent));
        Assert.DoesNotContain(await LedgerAsync(), e => e is HoldReleased);
    }

    [Fact]
    public async Task A_hold_whose_owner_stopped_renewing_it_is_recovered_once_its_lease_lapses()
    {
        var leases = _db.Leases(_clock);
        var billing = _db.Billing(_clock, leases);
        var call = Guid.CreateVersion7();
        await billing.HoldAsync(Estimate(call), CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(5));
        await leases.RenewAsync(CancellationToken.None); // leased until minute 20

        // The instance dies: nobody renews any more.
        _clock.Advance(TimeSpan.FromMinutes(14));
        var whileLeased = await Recovery().Handle(new RecoverHoldsCommand(), CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(2));
        var lapsed = await Recovery().Handle(new RecoverHoldsCommand(), CancellationToken.None);

        Assert.Equal(new RecoveryReport(0, 0, 1), whileLeased);
        Assert.Equal(new RecoveryReport(0, 1, 0), lapsed);
        Assert.Equal((1000m, 0m), ((await AccountAsync()).Available, (await AccountAsync()).Held));
        await using var session = _db.Store.QuerySession();
        Assert.Null(await session.LoadAsync<HoldLease>(call.ToString()));
    }

    [Fact]
    public async Task A_call_that_never_settles_is_renewed_for_a_day_at_most_and_then_recovered()
    {
        var leases = _db.Leases(_clock);
        var billing = _db.Billing(_clock, leases);
        await billing.HoldAsync(Estimate(Guid.CreateVersion7()), CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(5));
        await leases.RenewAsync(CancellationToken.None);

        // The call lost its settlement (a bug on its path): after a day its instance stops vouching for it.
        _clock.Advance(HoldLeases.MaxRenewedAge);
        await leases.RenewAsync(CancellationToken.None);
        var report = await Recovery().Handle(new RecoverHoldsCommand(), CancellationToken.None);

        Assert.Equal(new RecoveryReport(0, 1, 0), report);
        Assert.Equal(0m, (await AccountAsync()).Held);
    }

    [Fact]
    public async Task A_call_captured_after_recovery_released_its_hold_is_still_charged()
    {
        var billing = _db.Billing(_clock);
        var call = Guid.CreateVersion7();
        var hold = await billing.HoldAsync(Estimate(call), CancellationToken.None);

        // No renewal reached the database (the instance stalled), so recovery took the call for dead and released it.
        _clock.Advance(TimeSpan.FromHours(1));
        var recovered = await Recovery().Handle(new RecoverHoldsCommand(), CancellationToken.None);
        var charge = await billing.CaptureAsync(hold, "openai", new TokenUsage(10, 500), 0, atMostTheHold: false, CancellationToken.None);
        var again = await billing.CaptureAsync(hold, "openai", new TokenUsage(10, 500), 0, atMostTheHold: false, CancellationToken.None);

        Assert.Equal(new RecoveryReport(0, 1, 0), recovered);
        Assert.Equal(50.1m, charge.Credits);
        Assert.Null(again.Credits);
        var account = await AccountAsync();
        Assert.Equal((949.9m, 0m, 50.1m), (account.Balance, account.Held, account.TotalSpent));
        var audit = await new AuditCreditAccountsCommandHandler(_db.Store).Handle(new AuditCreditAccountsCommand("alice"), CancellationToken.None);
        Assert.Empty(audit.Mismatches);
    }

    [Fact]
    public async Task A_rate_raised_tenfold_while_a_call_is_in_flight_does_not_change_what_the_call_costs()
    {
        var billing = _db.Billing(_clock);
        var hold = await billing.HoldAsync(Estimate(Guid.CreateVersion7(), maxTokens: 100), CancellationToken.None);

        await _db.PriceAsync("openai", Model, inputRate: 0.1m, outputRate: 1m);
        var charge = await billing.CaptureAsync(hold, "openai", new TokenUsage(10, 100), 0, atMostTheHold: false, CancellationToken.None);
        var next = await billing.HoldAsync(Estimate(Guid.CreateVersion7(), maxTokens: 100), CancellationToken.None);
        var nextCharge = await billing.CaptureAsync(next, "openai", new TokenUsage(10, 100), 0, atMostTheHold: false, CancellationToken.None);

        Assert.Equal((10.1m, 1), (charge.Credits, charge.RateVersion)); // held at version 1: 10 × 0.01 + 100 × 0.1
        Assert.Equal((101m, 2), (nextCharge.Credits, nextCharge.RateVersion)); // held after the change: version 2
        var captures = (await LedgerAsync()).OfType<HoldCaptured>().ToArray();
        Assert.Equal([1, 2], captures.Select(c => c.RateVersion));
    }

    [Fact]
    public async Task Recovery_prices_a_served_call_at_the_rate_version_its_record_cites()
    {
        var billing = _db.Billing(_clock);
        var call = Guid.CreateVersion7();
        await billing.HoldAsync(Estimate(call), CancellationToken.None);

        // The call was served at version 1 and recorded; the instance died before its capture; then the rate rose tenfold.
        await RecordServedAsync(call, prompt: 10, completion: 100, new CallCharge(null, null, ModelRate.StreamIdFor(CallType.Chat, "openai", Model), 1));
        await _db.PriceAsync("openai", Model, inputRate: 0.1m, outputRate: 1m);
        _clock.Advance(TimeSpan.FromHours(1));
        var report = await Recovery().Handle(new RecoverHoldsCommand(), CancellationToken.None);

        Assert.Equal(new RecoveryReport(1, 0, 0), report);
        var captured = (await LedgerAsync()).OfType<HoldCaptured>().Single();
        Assert.Equal((10.1m, 1), (captured.Amount, captured.RateVersion));
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class MovableClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
