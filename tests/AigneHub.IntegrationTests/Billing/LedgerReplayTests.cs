using AigneHub.Application.Billing.Common;
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
                        foreach (var e in RandomOperation(random, account, open[user], ref callNumber, now))
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
            CreditLedger.Grant(account, Guid.NewGuid(), 40m, GrantSource.Admin, null, null, "admin", DateTimeOffset.UtcNow), CancellationToken.None);
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

    private static IEnumerable<object> RandomOperation(Random random, CreditAccount account, List<string> open, ref int callNumber, DateTimeOffset now)
    {
        switch (random.Next(6))
        {
            case 0:
                return CreditLedger.Grant(account, Guid.NewGuid(), random.Next(1, 50), GrantSource.Admin, random.Next(4) == 0 ? now.AddDays(-1).AddDays(2) : null, null, "t", now);
            case 1:
            case 2:
                var callId = $"call-{++callNumber}";
                var held = CreditLedger.Hold(account, callId, Math.Round((decimal)random.NextDouble() * 20m, 6), "openai/m", now.AddMinutes(15), now);
                open.Add(callId);
                return [held];
            case 3 when open.Count > 0:
                var captured = open[random.Next(open.Count)];
                open.Remove(captured);
                return CreditLedger.Capture(account, captured, Math.Round((decimal)random.NextDouble() * 25m, 6), "rate", 1, 10, 10, 0, null, now);
            case 4 when open.Count > 0:
                var released = open[random.Next(open.Count)];
                open.Remove(released);
                return CreditLedger.Release(account, released, "failed", now);
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
