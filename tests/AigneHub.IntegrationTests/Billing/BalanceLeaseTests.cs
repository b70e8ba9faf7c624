using System.Diagnostics.Metrics;
using AigneHub.Application;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Billing;
using AigneHub.Application.Billing.Credits.Commands.AuditCreditAccounts;
using AigneHub.Application.Billing.Credits.Commands.RecoverHolds;
using AigneHub.Application.Errors;
using AigneHub.Application.Observability;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;
using AigneHub.Domain.Usage;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>Balance leases per instance (ADR 0024), on a real PostgreSQL: holds from memory, captures written behind.</summary>
public sealed class BalanceLeaseTests : IAsyncLifetime
{
    // 0.01 credits per output token: a call that may produce 10 tokens holds 0.1, and one that produced 5 costs 0.05.
    private const decimal OutputRate = 0.01m;

    private BillingStore _db = null!;
    private readonly List<Instance> _instances = [];

    public async Task InitializeAsync()
    {
        _db = await BillingStore.CreateAsync("leases");
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0m, outputRate: OutputRate);
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Holds_served_from_a_lease_make_no_ledger_transaction_and_the_flush_writes_one_entry_per_call()
    {
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(flushMilliseconds: 60_000);
        await LeaseAsync(hub);
        var before = hub.Ledger.Commits;

        var charges = new List<CallCharge>();
        for (var i = 0; i < 20; i++)
        {
            charges.Add(await CallAsync(hub, $"leased-{i}"));
        }

        Assert.Equal(before, hub.Ledger.Commits);
        Assert.All(charges, c => Assert.Equal(0.05m, c.Credits));
        Assert.Equal(20, hub.Leases.PendingCaptures);

        await hub.Leases.FlushAsync();

        Assert.InRange(hub.Ledger.Commits - before, 1, 2);
        var captures = (await EventsAsync()).OfType<HoldCaptured>().Where(c => c.CallId.StartsWith("leased-", StringComparison.Ordinal)).ToArray();
        Assert.Equal(20, captures.Length);
        Assert.Equal(20, captures.Select(c => c.CallId).Distinct().Count());
        Assert.All(captures, c => Assert.NotNull(c.LeaseId));
        var account = await AccountAsync();
        Assert.Equal(0.05m * (20 + Warm), account.TotalSpent);
        Assert.Single(account.Leases);
        Assert.Equal(account.Leases[0].Amount, account.Held);
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task The_call_that_starts_an_accounts_first_lease_waits_for_it_and_is_served_from_it_without_a_hold_of_its_own()
    {
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start();
        _db.Caller.UserId = "alice";
        // A quiet account's call holds directly; the next one within the second makes it busy (Warm holds) and starts
        // its lease: it waits for that one ledger change and is served from the lease, where it used to write a hold
        // and then its capture while the caller waited.
        await CallAsync(hub, "quiet");
        var commitsBefore = hub.Ledger.Commits;
        var charge = await CallAsync(hub, "tipping");

        Assert.Equal(1, hub.Ledger.Commits - commitsBefore);
        Assert.Equal(0.05m, charge.Credits);
        await hub.Leases.FlushAsync();
        var events = await EventsAsync();
        Assert.Contains(events, e => e is CreditsHeld { CallId: "quiet" });
        Assert.DoesNotContain(events, e => e is CreditsHeld { CallId: "tipping" });
        Assert.Contains(events, e => e is HoldCaptured { CallId: "tipping", LeaseId: not null, Amount: 0.05m });
        Assert.Single(events.OfType<BalanceLeased>());
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task Two_instances_hammering_one_account_never_spend_more_than_it_has_and_the_replay_agrees()
    {
        // 10 credits pay 100 calls of 0.1 (ten tokens each, which their hold of ten tokens covers); near the end a
        // short balance lowers a direct hold, and the call is charged at most that.
        await _db.UseCreditsAsync(welcome: 10m);
        Instance[] hubs = [Start(), Start()];
        var served = 0;
        var charged = new System.Collections.Concurrent.ConcurrentBag<decimal>();

        await Task.WhenAll(hubs.SelectMany(hub => Enumerable.Range(0, 16).Select(async worker =>
        {
            await Task.Yield();
            for (var i = 0; i < 40; i++)
            {
                try
                {
                    var charge = await CallAsync(hub, $"{hub.Leases.Owner}-{worker}-{i}", completionTokens: 10);
                    Assert.InRange(charge.Credits!.Value, 0.01m, 0.1m);
                    charged.Add(charge.Credits.Value);
                    Interlocked.Increment(ref served);
                }
                catch (InsufficientCreditsException)
                {
                    return;
                }
            }
        })));
        foreach (var hub in hubs)
        {
            await hub.Leases.StopAsync();
        }

        var account = await AccountAsync();
        Assert.InRange(served, 1, 1_000);
        Assert.Equal(charged.Sum(), account.TotalSpent);
        Assert.InRange(account.TotalSpent, 0.1m, 10m);
        Assert.Equal((10m - account.TotalSpent, 0m, 0m), (account.Balance, account.Held, account.TotalUncollected));
        Assert.Empty(account.Leases);
        Assert.Contains(await EventsAsync(), e => e is BalanceLeased);
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task The_lease_of_an_instance_that_died_is_returned_by_hold_recovery_once_it_lapses()
    {
        await _db.UseCreditsAsync(welcome: 1_000m);
        var dead = Start();
        await LeaseAsync(dead);
        await CallAsync(dead, "before-death");
        await dead.Leases.FlushAsync();
        Assert.NotEmpty((await AccountAsync()).Leases);

        // Nothing renews the lease any more; recovery running while it is still valid leaves it alone.
        var early = await RecoverAsync(TimeSpan.FromMinutes(1));
        var recovered = await RecoverAsync(TimeSpan.FromMinutes(new BillingOptions().HoldMinutes + 1));

        Assert.Equal(0, early.LeasesReturned);
        Assert.Equal(1, recovered.LeasesReturned);
        var account = await AccountAsync();
        Assert.Equal((0m, 0m), (account.Held, account.TotalUncollected));
        Assert.Empty(account.Leases);
        Assert.Equal(1_000m - (0.05m * (Warm + 1)), account.Balance);
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task Stopping_an_instance_writes_its_queued_captures_and_returns_its_leases()
    {
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(flushMilliseconds: 60_000);
        await LeaseAsync(hub);
        for (var i = 0; i < 5; i++)
        {
            await CallAsync(hub, $"before-stop-{i}");
        }

        Assert.True((await AccountAsync()).Held > 0m);

        await hub.Leases.StopAsync();

        var account = await AccountAsync();
        Assert.Equal((0m, 0.05m * (Warm + 5)), (account.Held, account.TotalSpent));
        Assert.Empty(account.Leases);
        Assert.Contains(await EventsAsync(), e => e is LeaseReturned { Reason: "the instance stopped" });
        // A stopped instance holds directly again: its calls still work.
        await CallAsync(hub, "after-stop");
        Assert.Contains(await EventsAsync(), e => e is CreditsHeld { CallId: "after-stop" });
    }

    [Fact]
    public async Task A_capture_the_ledger_refuses_for_good_is_counted_as_lost_credits_in_the_metrics()
    {
        // A call served from a lease has no hold in the ledger: when its capture cannot be written (here the writer has
        // stopped, as when a call ends after the hub's ledger shut down), hold recovery has nothing to capture, and
        // the error log line and this counter are all that is left of its cost.
        await _db.UseCreditsAsync(welcome: 1_000m);
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new HubMetrics(meters.GetRequiredService<IMeterFactory>(), new MetricLabels(new NoProviders(), TimeProvider.System));
        var lost = 0d;
        string? outcome = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) && instrument.Name == "aignehub.credits.captures_lost")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            lost += value;
            foreach (var tag in tags)
            {
                outcome = tag.Key == "outcome" ? tag.Value as string : outcome;
            }
        });
        listener.Start();
        var hub = Start(flushMilliseconds: 60_000, metrics: metrics);
        await LeaseAsync(hub);
        var spent = (await AccountAsync()).TotalSpent;
        Assert.Equal(0d, lost);

        await hub.Ledger.DisposeAsync();
        await CallAsync(hub, "after-the-ledger-stopped");
        await hub.Leases.FlushAsync();

        Assert.Equal(0.05d, lost, 6);
        Assert.Equal("not_written", outcome);
        Assert.Equal(spent, (await AccountAsync()).TotalSpent);
    }

    [Fact]
    public async Task A_flush_also_waits_for_the_captures_an_earlier_flush_is_still_writing()
    {
        // A balance read flushes first so that it sees every call the instance answered. The timer's flush may have
        // taken the captures off the queue a moment before, and still be writing them: the read must wait for those too.
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(flushMilliseconds: 60_000);
        await LeaseAsync(hub);
        await CallAsync(hub, "taken-by-the-timer");

        await using var rowLock = await RowLock.TakeAsync(_db.ConnectionString, "alice");

        var timer = hub.Leases.FlushAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (hub.Leases.PendingCaptures > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first flush never took the capture");
            await Task.Delay(10);
        }

        var read = hub.Leases.FlushAsync();
        await Task.Delay(200);
        Assert.False(read.IsCompleted, "the second flush returned while the capture it must see was still being written");

        await rowLock.ReleaseAsync();
        await Task.WhenAll(timer, read).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(await EventsAsync(), e => e is HoldCaptured { CallId: "taken-by-the-timer" });
    }

    [Fact]
    public async Task A_renewal_waiting_on_one_account_holds_back_no_capture_of_another()
    {
        // The timer renews leases when they fall due. A renewal that waits (here on the account's row lock, which another
        // transaction holds; in production, a thousand leases falling due together) must not stop the timer from
        // writing the captures of other accounts: past the limit of unwritten captures, their calls would all take
        // direct holds.
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(renewalSeconds: 1);
        var other = Enumerable.Range(1, 100).Select(i => $"bob-{i}").First(u => hub.Ledger.LaneOfUser(u) != hub.Ledger.LaneOfUser("alice"));
        await LeaseAsync(hub);
        await LeaseAsync(hub, other);

        await using var rowLock = await RowLock.TakeAsync(_db.ConnectionString, "alice");

        // Alice's lease falls due for renewal (every second here) while her row stays locked.
        var renewed = (await AccountAsync("alice")).Leases.Single().ExpiresAt;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        _db.Caller.UserId = other;
        await CallAsync(hub, "behind-a-renewal");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!(await EventsAsync(other)).Any(e => e is HoldCaptured { CallId: "behind-a-renewal" }))
        {
            Assert.True(DateTime.UtcNow < deadline, "the capture waited for another account's renewal");
            await Task.Delay(50);
        }

        Assert.Equal(renewed, (await AccountAsync("alice")).Leases.Single().ExpiresAt);
        await rowLock.ReleaseAsync();
        deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await AccountAsync("alice")).Leases.Single().ExpiresAt == renewed)
        {
            Assert.True(DateTime.UtcNow < deadline, "the renewal never went through once the row was free");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_lease_no_call_uses_is_returned_with_its_captures_written()
    {
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(idleSeconds: 1);
        await LeaseAsync(hub);
        await CallAsync(hub, "last-call");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        CreditAccount account;
        while ((account = await AccountAsync()).Leases.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the idle lease was not returned");
            await Task.Delay(50);
        }

        Assert.Equal((0m, 0.05m * (Warm + 1)), (account.Held, account.TotalSpent));
        Assert.Contains(await EventsAsync(), e => e is LeaseReturned { Reason: "idle" });
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task A_call_larger_than_the_lease_takes_a_hold_of_its_own_and_is_captured()
    {
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start();
        await LeaseAsync(hub);
        var lease = (await AccountAsync()).Leases.Single().Amount;

        // Up to 20,000 tokens: a hold of 200 credits, far more than the lease of a few credits.
        var hold = await hub.Billing.HoldAsync(Estimate("large", maxTokens: 20_000), CancellationToken.None);
        var charge = await hub.Billing.CaptureAsync(hold, "openai", new TokenUsage(0, 15_000), 0, true, CancellationToken.None);

        Assert.True(lease < 200m, $"the lease was {lease}");
        Assert.Equal((200m, 150m), (hold.HeldCredits, charge.Credits));
        var events = await EventsAsync();
        Assert.Contains(events, e => e is CreditsHeld { CallId: "large", Amount: 200m });
        Assert.Contains(events, e => e is HoldCaptured { CallId: "large", LeaseId: null, Amount: 150m });
    }

    [Fact]
    public async Task A_call_served_from_a_lease_is_captured_at_the_rate_version_it_held_even_when_the_rate_changes_meanwhile()
    {
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(cacheSeconds: 0, flushMilliseconds: 60_000);
        await LeaseAsync(hub);
        var hold = await hub.Billing.HoldAsync(Estimate("pinned"), CancellationToken.None);
        var heldVersion = hold.RateOf("openai")!.Version;

        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0m, outputRate: OutputRate * 10);
        var charge = await hub.Billing.CaptureAsync(hold, "openai", new TokenUsage(0, 5), 0, true, CancellationToken.None);
        await hub.Leases.FlushAsync();

        Assert.Equal((0.05m, heldVersion), (charge.Credits, charge.RateVersion));
        var captured = (await EventsAsync()).OfType<HoldCaptured>().Single(c => c.CallId == "pinned");
        Assert.Equal((0.05m, heldVersion), (captured.Amount, captured.RateVersion));
        Assert.NotNull(captured.LeaseId);
    }

    [Fact]
    public async Task A_call_served_from_a_lease_is_held_on_the_prompt_bound_that_runs_no_tokenizer_and_a_direct_hold_counts_the_prompt()
    {
        // 0.01 credits per input token too: 40 tokens of upper bound and 10 of output hold 0.5, 20 counted tokens 0.3.
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: OutputRate);
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(flushMilliseconds: 60_000);
        await LeaseAsync(hub);
        var counts = 0;
        CallEstimate Counted(string callId, int maxTokens = 10) => new(
            callId, CallType.Chat, "gpt-4o-mini", ["openai"], new PromptBound(() => { Interlocked.Increment(ref counts); return 20; }, () => 40), maxTokens,
            "openai/gpt-4o-mini");

        var leased = await hub.Billing.HoldAsync(Counted("upper"), CancellationToken.None);
        var charge = await hub.Billing.CaptureAsync(leased, "openai", new TokenUsage(20, 5), 0, true, CancellationToken.None);

        Assert.Equal((0.5m, 10, 0.25m), (leased.HeldCredits, leased.OutputTokenLimit, charge.Credits));
        Assert.Equal(0, counts);

        // Cut short before usage was reported, a call is charged the counted bound, as on the direct path.
        var cut = await hub.Billing.HoldAsync(Counted("cut-short"), CancellationToken.None);
        Assert.Equal(20, cut.EstimatedPromptTokens.Tokens);
        await hub.Billing.ReleaseAsync(cut, "test", CancellationToken.None);

        // Larger than the lease: a hold of its own, on the counted prompt.
        var direct = await hub.Billing.HoldAsync(Counted("direct", maxTokens: 20_000), CancellationToken.None);
        await hub.Billing.CaptureAsync(direct, "openai", new TokenUsage(20, 100), 0, true, CancellationToken.None);

        Assert.Equal(200.2m, direct.HeldCredits);
        Assert.Equal(20, direct.EstimatedPromptTokens.Tokens);
        Assert.Contains(await EventsAsync(), e => e is CreditsHeld { CallId: "direct", Amount: 200.2m });
        await hub.Leases.FlushAsync();
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task Calls_take_direct_holds_once_the_captures_waiting_to_be_written_reach_the_limit_and_cannot_be_written_in_time()
    {
        // A ledger that cannot keep up (here: it is never flushed, and a call does not wait for the flush it starts)
        // must not fall ever further behind the answers.
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(flushMilliseconds: 60_000, unwrittenLimit: 3, roomWaitMilliseconds: 0);
        await LeaseAsync(hub);
        for (var i = 0; i < 3; i++)
        {
            await CallAsync(hub, $"from-lease-{i}");
        }

        var before = hub.Ledger.Commits;
        await CallAsync(hub, "behind-the-limit");

        Assert.Equal(3, hub.Leases.UnwrittenCaptures);
        Assert.True(hub.Ledger.Commits > before, "the call past the limit wrote no hold of its own");
        var events = await EventsAsync();
        Assert.Contains(events, e => e is CreditsHeld { CallId: "behind-the-limit" });
        Assert.DoesNotContain(events, e => e is CreditsHeld { CallId: "from-lease-0" });

        await hub.Leases.FlushAsync();
        Assert.Equal(0, hub.Leases.UnwrittenCaptures);
        await CallAsync(hub, "from-lease-again");
        Assert.DoesNotContain(await EventsAsync(), e => e is CreditsHeld { CallId: "from-lease-again" });
    }

    [Fact]
    public async Task A_call_that_finds_the_captures_waiting_at_the_limit_has_them_written_and_is_served_from_its_lease()
    {
        // The ledger is behind (here: its timer never flushes). Rather than add a hold and a capture of its own to it,
        // the call past the limit has the waiting captures written, and then takes its hold from the lease.
        var hub = await AtTheUnwrittenLimitAsync("before-the-limit");
        var charge = await CallAsync(hub, "at-the-limit");

        Assert.Equal(0.05m, charge.Credits);
        Assert.Equal(1, hub.Leases.UnwrittenCaptures);
        var events = await EventsAsync();
        Assert.DoesNotContain(events, e => e is CreditsHeld { CallId: "at-the-limit" });
        Assert.Equal(3, events.OfType<HoldCaptured>().Count(c => c.CallId.StartsWith("before-the-limit-", StringComparison.Ordinal) && c.LeaseId is not null));

        await hub.Leases.FlushAsync();
        Assert.Contains(await EventsAsync(), e => e is HoldCaptured { CallId: "at-the-limit", LeaseId: not null });
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task A_cache_hit_charged_at_the_limit_has_the_waiting_captures_written_and_is_charged_from_its_lease()
    {
        // The same rule as a model call's: a cache hit's charge past the limit does not add a hold and a capture of its
        // own to a ledger that is behind (before, it took the direct path at once).
        var hub = await AtTheUnwrittenLimitAsync("before-the-hit");
        var hit = await hub.Billing.ChargeCacheHitAsync("hit-at-the-limit", CallType.Chat, "openai", "gpt-4o-mini", new TokenUsage(0, 5), 1m, CancellationToken.None);

        Assert.Equal(0.05m, hit.Credits);
        Assert.Equal(1, hub.Leases.UnwrittenCaptures);
        Assert.DoesNotContain(await EventsAsync(), e => e is CreditsHeld { CallId: "hit-at-the-limit" });
        await hub.Leases.FlushAsync();
        Assert.Contains(await EventsAsync(), e => e is HoldCaptured { CallId: "hit-at-the-limit", LeaseId: not null });
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task A_call_held_from_a_lease_recovery_took_gives_its_hold_to_no_later_lease()
    {
        // The instance looked dead (its renewals did not reach the ledger), so hold recovery returned its lease while a
        // call held 0.8 from it. The renewal then finds the lease gone and a new one is taken; when the old call ends,
        // its 0.8 must not be counted back into the new lease, which the ledger never gave it: the instance would serve
        // calls the lease does not cover, from a balance the new lease already took (uncollected).
        CallHold inFlight = null!;
        var (hub, first) = await LeaseRecoveryTakesAsync(
            renewalSeconds: 1, whileLeased: async leased => inFlight = await leased.Billing.HoldAsync(Estimate("in-flight", maxTokens: 80), CancellationToken.None));

        // Calls go on until the renewal has found the lease gone and the instance leased again.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        for (var i = 0; !(await AccountAsync()).Leases.Any(l => l.LeaseId != first); i++)
        {
            Assert.True(DateTime.UtcNow < deadline, "the instance never leased again");
            await CallOrRefusedAsync(hub, $"probe-{i}");
            await Task.Delay(100);
        }

        await hub.Billing.CaptureAsync(inFlight, "openai", new TokenUsage(0, 5), 0, true, CancellationToken.None);
        await DrainAsync(hub, "drain");
        await hub.Leases.StopAsync();
        var account = await AccountAsync();
        Assert.Equal(0m, account.TotalUncollected);
        Assert.True(account.Balance >= 0m, $"balance {account.Balance}");
        await AssertReplayAgreesAsync();
    }

    [Fact]
    public async Task A_top_up_that_finds_its_lease_returned_by_recovery_does_not_lease_again_under_its_id()
    {
        // Recovery returned the instance's lease (here: the job's clock runs ahead, so the instance, alive, still serves
        // from it) before any renewal noticed. Calls go on from what is free of it in memory until a top-up falls due.
        // That top-up must not lease again under the returned lease's id: the instance would go on serving the old
        // free credits, which the ledger took back, on top of the new ones. It finds the lease gone, stops serving from
        // it, and the next lease is a new one. (What calls served from the returned lease cost is paid by the available
        // balance, and what it cannot cover is uncollected: ADR 0024.)
        var (hub, first) = await LeaseRecoveryTakesAsync();

        Assert.True(await DrainAsync(hub, "after-recovery"), "the balance of 2 credits was never used up");
        await hub.Leases.StopAsync();
        var events = await EventsAsync();
        var returned = events.ToList().FindIndex(e => e is LeaseReturned r && r.LeaseId == first && r.Reason.StartsWith("recovered", StringComparison.Ordinal));
        Assert.True(returned >= 0, "recovery returned no lease");
        // Whether a new lease follows depends on what is left when the top-up finds out (nothing is leased below two
        // holds), so only the returned id is checked: it is never leased again.
        Assert.DoesNotContain(events.Skip(returned), e => e is BalanceLeased l && l.LeaseId == first);
        Assert.True((await AccountAsync()).Balance >= 0m);
        var audit = await new AuditCreditAccountsCommandHandler(_db.Store).Handle(new AuditCreditAccountsCommand(null), CancellationToken.None);
        Assert.Empty(audit.Mismatches);
    }

    [Fact]
    public async Task A_renewal_that_fails_does_not_extend_the_lease_so_the_instance_stops_serving_from_it_before_recovery_may_take_it()
    {
        // A failed renewal moved the lease's expiry forward in memory as if it had been written: the instance went on
        // serving past the expiry the ledger has, where hold recovery returns the lease.
        await _db.UseCreditsAsync(welcome: 1_000m);
        var clock = new MovableClock();
        var hub = Start(renewalSeconds: 1, idleSeconds: 3_600, time: clock);
        await LeaseAsync(hub);
        var leasedUntil = (await AccountAsync()).Leases.Single().ExpiresAt;

        await hub.Ledger.DisposeAsync(); // every ledger change fails from now on, renewals included
        clock.Ahead = leasedUntil - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(20); // renewals fall due; still before the expiry
        await Task.Delay(500); // a few timer ticks: the renewals are tried, and fail
        clock.Ahead = leasedUntil - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1); // past the expiry the ledger has

        // Not served from the lease any more: the direct hold it falls back to meets the stopped ledger writer.
        await Assert.ThrowsAsync<ServiceBusyException>(() => CallAsync(hub, "after-the-lease-expired"));
    }

    /// <summary>The system clock, moved ahead by whatever a test sets.</summary>
    private sealed class MovableClock : TimeProvider
    {
        public TimeSpan Ahead { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Ahead;
    }

    /// <summary>Direct calls made before the lease exists (<see cref="LeaseAsync"/>).</summary>
    private const int Warm = 2;

    private Instance Start(
        int cacheSeconds = 600, int flushMilliseconds = 20, int idleSeconds = 60, int unwrittenLimit = 1_024, int renewalSeconds = 0, int roomWaitMilliseconds = 1_000,
        int leasePercent = 25, HubMetrics? metrics = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        var options = Options.Create(new BillingOptions
        {
            CacheSeconds = cacheSeconds, LeaseAfterHolds = Warm, LedgerFlushMilliseconds = flushMilliseconds, LeaseIdleSeconds = idleSeconds,
            LeaseUnwrittenLimit = unwrittenLimit, HoldRenewalSeconds = renewalSeconds, LeaseRoomWaitMilliseconds = roomWaitMilliseconds,
            LeasePercent = leasePercent,
        });
        var ledger = new CreditLedgerWriter(_db.Store, time, options, NullLogger<CreditLedgerWriter>.Instance);
        var leases = new BalanceLeases(ledger, time, options, new HubInstance(), NullLogger<BalanceLeases>.Instance, metrics);
        var holdLeases = new HoldLeases(_db.Store, time, options, new HubInstance(), NullLogger<HoldLeases>.Instance);
        var billing = new CallBilling(
            new BillingCache(_db.Store, time, options), _db.Caller, time, options, holdLeases, ledger, NullLogger<CallBilling>.Instance,
            balanceLeases: leases);
        var instance = new Instance(billing, leases, ledger);
        _instances.Add(instance);
        return instance;
    }

    /// <summary>
    /// Makes the account busy on the instance (<see cref="Warm"/> calls: the last starts the lease, waits for it and is
    /// served from it), waits until its lease is written, and writes the captures queued so far.
    /// </summary>
    private async Task LeaseAsync(Instance hub, string userId = "alice")
    {
        _db.Caller.UserId = userId;
        for (var i = 0; i < Warm; i++)
        {
            await CallAsync(hub, $"warm-{userId}-{hub.Leases.Owner}-{i}");
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await AccountAsync(userId)).Leases.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no lease was written");
            await Task.Delay(20);
        }

        await hub.Leases.FlushAsync();
    }

    /// <summary>
    /// A leased account on an instance whose timer never flushes, with its limit of unwritten captures (3) reached by
    /// calls named <paramref name="prefix"/>-0 to -2: the ledger is behind.
    /// </summary>
    private async Task<Instance> AtTheUnwrittenLimitAsync(string prefix)
    {
        await _db.UseCreditsAsync(welcome: 1_000m);
        var hub = Start(flushMilliseconds: 60_000, unwrittenLimit: 3);
        await LeaseAsync(hub);
        for (var i = 0; i < 3; i++)
        {
            await CallAsync(hub, $"{prefix}-{i}");
        }

        Assert.Equal(3, hub.Leases.UnwrittenCaptures);
        return hub;
    }

    private static CallEstimate Estimate(string callId, int maxTokens = 10) =>
        new(callId, CallType.Chat, "gpt-4o-mini", ["openai"], 0, maxTokens, "openai/gpt-4o-mini");

    /// <summary>
    /// A live instance whose lease hold recovery returned anyway (the job's clock runs ahead of it): a 2-credit account
    /// leased at 90 %, <paramref name="whileLeased"/> run while the lease stands, then the recovery. Returns the
    /// instance and the id of the lease recovery returned.
    /// </summary>
    private async Task<(Instance Hub, string Returned)> LeaseRecoveryTakesAsync(int renewalSeconds = 0, Func<Instance, Task>? whileLeased = null)
    {
        await _db.UseCreditsAsync(welcome: 2m);
        var hub = Start(renewalSeconds: renewalSeconds, leasePercent: 90);
        await LeaseAsync(hub);
        var returned = (await AccountAsync()).Leases.Single().LeaseId;
        if (whileLeased is not null)
        {
            await whileLeased(hub);
        }

        Assert.Equal(1, (await RecoverAsync(TimeSpan.FromMinutes(new BillingOptions().HoldMinutes + 1))).LeasesReturned);
        return (hub, returned);
    }

    /// <summary>Calls until the account cannot pay (402); false when 200 calls never got there.</summary>
    private static async Task<bool> DrainAsync(Instance hub, string prefix)
    {
        for (var i = 0; i < 200; i++)
        {
            if (!await CallOrRefusedAsync(hub, $"{prefix}-{i}"))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A call, or false when the account cannot pay for it (402): near zero, a balance mostly leased refuses calls.</summary>
    private static async Task<bool> CallOrRefusedAsync(Instance hub, string callId)
    {
        try
        {
            await CallAsync(hub, callId);
            return true;
        }
        catch (InsufficientCreditsException)
        {
            return false;
        }
    }

    private static async Task<CallCharge> CallAsync(Instance hub, string callId, int completionTokens = 5)
    {
        var hold = await hub.Billing.HoldAsync(Estimate(callId), CancellationToken.None);
        return await hub.Billing.CaptureAsync(hold, "openai", new TokenUsage(0, completionTokens), 0, true, CancellationToken.None);
    }

    private async Task<RecoveryReport> RecoverAsync(TimeSpan later)
    {
        var handler = new RecoverHoldsCommandHandler(
            _db.Store, new BillingCache(_db.Store, TimeProvider.System, Options.Create(new BillingOptions { CacheSeconds = 0 })), new Later(later),
            NullLogger<RecoverHoldsCommandHandler>.Instance);
        return await handler.Handle(new RecoverHoldsCommand(), CancellationToken.None);
    }

    private async Task<CreditAccount> AccountAsync(string userId = "alice")
    {
        await using var session = _db.Store.QuerySession();
        return (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(userId)))!;
    }

    private async Task<IReadOnlyList<object>> EventsAsync(string userId = "alice")
    {
        await using var session = _db.Store.QuerySession();
        return (await session.Events.FetchStreamAsync(CreditAccount.StreamIdFor(userId))).Select(e => e.Data).ToArray();
    }

    private async Task AssertReplayAgreesAsync()
    {
        var audit = await new AuditCreditAccountsCommandHandler(_db.Store).Handle(new AuditCreditAccountsCommand(null), CancellationToken.None);
        Assert.Empty(audit.Mismatches);
        Assert.Equal(0m, audit.TotalUncollected);
    }

    /// <summary>A catalogue with no provider: the lost-capture counter has no model label to look up.</summary>
    private sealed class NoProviders : IProviderCatalog
    {
        public IReadOnlyList<IChatProvider> Resolve(Domain.Models.ModelName model) => [];

        public IReadOnlyList<IEmbeddingProvider> ResolveEmbeddings(Domain.Models.ModelName model) => [];

        public IReadOnlyList<IImageProvider> ResolveImages(Domain.Models.ModelName model) => [];

        public IReadOnlyList<Application.Models.ModelDescriptor> ListModels() => [];

        public ProviderAvailability Availability(string provider) => ProviderAvailability.NotConfigured;
    }

    private sealed record Instance(CallBilling Billing, BalanceLeases Leases, CreditLedgerWriter Ledger) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Leases.DisposeAsync();
            await Ledger.DisposeAsync();
        }
    }

    /// <summary>The lock another writer holds on an account's stream row, from <see cref="TakeAsync"/> until released.</summary>
    private sealed class RowLock(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public static async Task<RowLock> TakeAsync(string connectionString, string userId)
        {
            var connection = new Npgsql.NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            var transaction = await connection.BeginTransactionAsync();
            await using var lockRow = new Npgsql.NpgsqlCommand(
                $"SELECT 1 FROM {AigneHub.Infrastructure.Persistence.HubMartenConfiguration.Schema}.mt_streams WHERE id = @id FOR UPDATE", connection, transaction);
            lockRow.Parameters.AddWithValue("id", CreditAccount.StreamIdFor(userId));
            await lockRow.ExecuteScalarAsync();
            return new RowLock(connection, transaction);
        }

        public Task ReleaseAsync() => transaction.RollbackAsync();

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>The system clock, moved ahead.</summary>
    private sealed class Later(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
    }
}
