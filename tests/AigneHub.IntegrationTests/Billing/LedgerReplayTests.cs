using AigneHub.Application.Billing;
using AigneHub.Application.Billing.Credits.Commands.AuditCreditAccounts;
using AigneHub.Application.Billing.Credits.Queries.GetCreditBalance;
using AigneHub.Domain.Billing;
using AigneHub.Domain.Billing.Events;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>The stored balances against replays of their ledgers: after many random operations, and at a past moment.</summary>
public sealed class LedgerReplayTests : IAsyncLifetime
{
    private BillingStore _db = null!;

    public async Task InitializeAsync() => _db = await BillingStore.CreateAsync("replay");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Replay_equals_the_projection_after_ten_thousand_random_operations()
    {
        var random = new Random(4242);
        var settings = BillingSettings.Defaults;
        string[] users = ["u1", "u2", "u3", "u4", "u5"];
        var open = users.ToDictionary(u => u, _ => new List<string>());
        var released = users.ToDictionary(u => u, _ => new List<string>());
        var operations = 0;
        var refused = 0;
        var callNumber = 0;
        var now = DateTimeOffset.UtcNow;
        while (operations < 10_000)
        {
            var user = users[random.Next(users.Length)];
            await CreditAccounts.ChangeAsync(_db.Store, user, settings, TimeProvider.System, current =>
            {
                // A batch of operations decided one after the other on the state each leaves, written in one transaction.
                // Decisions never change the state they are given (Marten applies the appended events to it), so the
                // batch evolves a copy.
                var account = Copy(current);
                var batch = new List<object>();
                for (var i = 0; i < 50; i++)
                {
                    operations++;
                    try
                    {
                        foreach (var e in RandomOperation(random, account, open[user], released[user], ref callNumber, now))
                        {
                            Apply(account, e);
                            batch.Add(e);
                        }
                    }
                    catch (CreditRuleException)
                    {
                        refused++;
                    }
                }

                return batch;
            },
            CancellationToken.None);
        }

        var audit = await new AuditCreditAccountsCommandHandler(_db.Store).Handle(new AuditCreditAccountsCommand(null), CancellationToken.None);

        Assert.Equal(users.Length, audit.AccountsChecked);
        Assert.True(audit.Mismatches.Count == 0, string.Join("\n", audit.Mismatches.Select(m => $"{m.UserId}\n P {m.Projected}\n R {m.Replayed}")));
        Assert.InRange(refused, 1, 9_000);
        await using var session = _db.Store.QuerySession();
        foreach (var user in users)
        {
            var account = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(user)))!;
            Assert.True(account.Available >= 0 && account.Balance >= 0 && account.Held >= 0, $"{user}: {account.Balance}/{account.Held}");
            Assert.Equal(account.TotalGranted - account.TotalSpent - account.TotalExpired + AdjustedOf(await session.Events.FetchStreamAsync(account.Id)), account.Balance);
        }
    }

    [Fact]
    public async Task The_balance_as_of_a_past_moment_is_the_ledger_replayed_up_to_it()
    {
        var settings = BillingSettings.Defaults;
        await CreditAccounts.ChangeAsync(_db.Store, "bob", settings, TimeProvider.System, account =>
            CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), 40m, GrantSource.Admin, null, null), "admin", DateTimeOffset.UtcNow), CancellationToken.None);
        await Task.Delay(300);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(300);
        await CreditAccounts.ChangeAsync(_db.Store, "bob", settings, TimeProvider.System, account =>
            [CreditLedger.Adjust(account, Guid.NewGuid(), -15m, "refund", "admin", DateTimeOffset.UtcNow)], CancellationToken.None);

        var handler = new GetCreditBalanceQueryHandler(_db.Store);
        var past = await handler.Handle(new GetCreditBalanceQuery("bob", between), CancellationToken.None);
        var present = await handler.Handle(new GetCreditBalanceQuery("bob"), CancellationToken.None);

        Assert.Equal((40m, 2), (past.Balance, past.Version));
        Assert.Equal((25m, 3), (present.Balance, present.Version));
    }

    [Fact]
    public async Task Every_entry_is_part_of_the_balance_as_of_its_own_time()
    {
        await _db.UseCreditsAsync(welcome: 100m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing();
        for (var i = 0; i < 3; i++)
        {
            var hold = await billing.HoldAsync(new Application.Abstractions.CallEstimate(
                $"call-{i}", Domain.Usage.CallType.Chat, "gpt-4o-mini", ["openai"], 10, 100, "openai/gpt-4o-mini"), CancellationToken.None);
            await billing.CaptureAsync(hold, "openai", new Domain.Usage.TokenUsage(10, 20), 0, atMostTheHold: false, CancellationToken.None);
        }

        IReadOnlyList<JasperFx.Events.IEvent> entries;
        await using (var session = _db.Store.QuerySession())
        {
            entries = await session.Events.FetchStreamAsync(CreditAccount.StreamIdFor("alice"));
        }

        // As of an entry's own time: that entry and every entry before it, and those that share its time (the account
        // opens with its welcome grant at one instant), nothing later.
        var handler = new GetCreditBalanceQueryHandler(_db.Store);
        foreach (var entry in entries)
        {
            var at = ((ICreditLedgerEntry)entry.Data).At;
            var asOf = await handler.Handle(new GetCreditBalanceQuery("alice", at), CancellationToken.None);
            Assert.Equal(entries.Last(e => ((ICreditLedgerEntry)e.Data).At <= at).Version, asOf.Version);
            Assert.True(asOf.Version >= entry.Version);
        }
    }

    [Fact]
    public async Task Ledger_time_runs_forward_on_an_account_that_many_calls_use_at_once()
    {
        await _db.UseCreditsAsync(welcome: 1000m);
        await _db.PriceAsync("openai", "gpt-4o-mini", inputRate: 0.01m, outputRate: 0.1m);
        var billing = _db.Billing(new TickingClock());

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            var hold = await billing.HoldAsync(new Application.Abstractions.CallEstimate(
                $"call-{i}", Domain.Usage.CallType.Chat, "gpt-4o-mini", ["openai"], 10, 100, "openai/gpt-4o-mini"), CancellationToken.None);
            await billing.CaptureAsync(hold, "openai", new Domain.Usage.TokenUsage(10, 20), 0, atMostTheHold: false, CancellationToken.None);
        })));

        await using var session = _db.Store.QuerySession();
        var times = (await session.Events.FetchStreamAsync(CreditAccount.StreamIdFor("alice"))).Select(e => ((ICreditLedgerEntry)e.Data).At).ToArray();
        Assert.Equal(2 + 80, times.Length);
        var backwards = times.Zip(times.Skip(1)).Count(pair => pair.Second < pair.First);
        Assert.Equal(0, backwards);
    }

    private static IEnumerable<object> RandomOperation(
        Random random, CreditAccount account, List<string> open, List<string> released, ref int callNumber, DateTimeOffset now)
    {
        switch (random.Next(8))
        {
            case 0:
                return CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), random.Next(1, 50), GrantSource.Admin, random.Next(4) == 0 ? now.AddDays(-1).AddDays(2) : null, null), "t", now);
            case 6:
                // An operator's grant with an idempotency key, retried now and then (a key always carries the same grant).
                var key = random.Next(20);
                return CreditLedger.Grant(account, new NewGrant(Guid.NewGuid(), key + 1, GrantSource.Promotion, null, $"key-{key}"), "t", now);
            case 7 when released.Count > 0:
                // A call served after recovery released its hold captures late.
                var late = released[random.Next(released.Count)];
                released.Remove(late);
                return CreditLedger.Capture(account, new CallCapture(late, Math.Round((decimal)random.NextDouble() * 10m, 6), "rate", 1, new(10, 10)), now);
            case 1:
            case 2:
                var callId = $"call-{++callNumber}";
                var held = CreditLedger.Hold(account, callId, Math.Round((decimal)random.NextDouble() * 20m, 6), "openai/m", now.AddMinutes(15), now);
                open.Add(callId);
                return [held];
            case 3 when open.Count > 0:
                var captured = open[random.Next(open.Count)];
                open.Remove(captured);
                return CreditLedger.Capture(account, new CallCapture(captured, Math.Round((decimal)random.NextDouble() * 25m, 6), "rate", 1, new(10, 10)), now);
            case 4 when open.Count > 0:
                var release = open[random.Next(open.Count)];
                open.Remove(release);
                released.Add(release);
                return CreditLedger.Release(account, release, "failed", now);
            case 5:
                return [CreditLedger.Adjust(account, Guid.NewGuid(), random.Next(2) == 0 ? 3m : -2.5m, "correction", "t", now)];
            default:
                return CreditLedger.ExpireGrants(account, now.AddDays(3));
        }
    }

    private CreditAccount Copy(CreditAccount account)
    {
        var serializer = _db.Store.Options.Serializer();
        using var json = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(serializer.ToJson(account)));
        return serializer.FromJson<CreditAccount>(json);
    }

    private static decimal AdjustedOf(IReadOnlyList<JasperFx.Events.IEvent> events) => events.Select(e => e.Data).OfType<CreditsAdjusted>().Sum(a => a.Amount);

    private static void Apply(CreditAccount account, object e)
    {
        switch (e)
        {
            case CreditsGranted granted: account.Apply(granted); break;
            case CreditsHeld held: account.Apply(held); break;
            case HoldCaptured captured: account.Apply(captured); break;
            case HoldReleased released: account.Apply(released); break;
            case GrantExpired expired: account.Apply(expired); break;
            case CreditsAdjusted adjusted: account.Apply(adjusted); break;
        }
    }
}

/// <summary>A clock that moves forward a millisecond every time it is read, so that every decision has a time of its own.</summary>
internal sealed class TickingClock : TimeProvider
{
    private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}
