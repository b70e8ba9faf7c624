using System.Collections.Concurrent;
using AigneHub.Application.Billing;
using AigneHub.Domain.Billing;
using AigneHub.Infrastructure.Persistence;
using JasperFx;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AigneHub.IntegrationTests.Billing;

/// <summary>
/// Batches of the credit-ledger writer that span many accounts (issue 16, "line-rate ledger"): each change decided
/// exactly as one at a time would be, new and existing accounts mixed, two instances on shared accounts, and the
/// database round trips of a batch independent of how many accounts it touches.
/// </summary>
public sealed class LedgerBatchTests : IAsyncLifetime
{
    private static readonly IOptions<BillingOptions> Defaults = Options.Create(new BillingOptions { CacheSeconds = 0 });

    private BillingStore _db = null!;

    public async Task InitializeAsync() => _db = await BillingStore.CreateAsync("ledgerbatch");

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static string User(int i) => $"user-{i:D4}";

    [Fact]
    public async Task A_batch_over_two_hundred_accounts_holds_and_captures_each_exactly_and_the_projections_equal_the_replays()
    {
        await _db.UseCreditsAsync(welcome: 10m);
        var settings = await _db.SettingsAsync();
        await using var writer = new CreditLedgerWriter(_db.Store, TimeProvider.System, Defaults, NullLogger<CreditLedgerWriter>.Instance);
        var at = DateTimeOffset.UtcNow;
        // Half the accounts exist before the batches, half are opened by them.
        for (var i = 0; i < 200; i += 2)
        {
            await writer.ChangeAsync(User(i), settings, a => [], CancellationToken.None);
        }

        // Each account: a hold of 6 that fits, a second of 6 that does not, then the capture of the first at 4.
        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            await writer.ChangeAsync(User(i), settings, a => [CreditLedger.Hold(a, $"a-{i}", 6m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, $"a-{i}");
            var refused = await Record.ExceptionAsync(() =>
                writer.ChangeAsync(User(i), settings, a => [CreditLedger.Hold(a, $"b-{i}", 6m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, $"b-{i}"));
            var captured = await writer.SettleAsync(User(i), settings, a => CreditLedger.Capture(a, new CallCapture($"a-{i}", 4m, null, null, new(1, 1)), at), $"a-{i}", CancellationToken.None);
            return (Refused: (refused as CreditRuleException)?.Rule, captured.Balance, captured.Held);
        }));

        Assert.All(results, r => Assert.Equal((CreditRule.InsufficientCredits, 6m, 0m), (r.Refused!.Value, r.Balance, r.Held)));
        await using var session = _db.Store.QuerySession();
        for (var i = 0; i < 200; i++)
        {
            var id = CreditAccount.StreamIdFor(User(i));
            var stored = (await session.LoadAsync<CreditAccount>(id))!;
            var replayed = (await session.Events.AggregateStreamAsync<CreditAccount>(id))!;
            Assert.Equal((6m, 0m, 4m), (stored.Balance, stored.Held, stored.TotalSpent));
            Assert.Equal((replayed.Balance, replayed.Held, replayed.TotalSpent, replayed.Version), (stored.Balance, stored.Held, stored.TotalSpent, stored.Version));
        }

        // The settlement index knows each capture (and the hold-recovery job's prune finds them by time).
        var settlements = await session.Query<CallSettlement>().Where(s => s.At <= DateTimeOffset.UtcNow).ToListAsync();
        Assert.Equal(200, settlements.Count);
        var seventh = (await session.LoadAsync<CallSettlement>("a-7"))!;
        Assert.Equal((CreditAccount.StreamIdFor(User(7)), Settlement.Captured), (seventh.AccountId, seventh.Settlement));
    }

    [Fact]
    public async Task Several_captures_of_one_lease_in_one_batch_are_each_charged_once_on_the_stored_account()
    {
        // The store hands the inline projection the very account the writer fetched (UseIdentityMapForAggregates), and
        // the projection applies the batch's events to it at save: were a decision ever taken on that instance rather
        // than a copy, every event would be applied twice to the stored account.
        await _db.UseCreditsAsync(welcome: 100m);
        var settings = await _db.SettingsAsync();
        await using var writer = new CreditLedgerWriter(_db.Store, TimeProvider.System, Lanes(1), NullLogger<CreditLedgerWriter>.Instance);
        var at = DateTimeOffset.UtcNow;
        for (var i = 0; i < 50; i++)
        {
            await writer.ChangeAsync(User(i), settings, a => [CreditLedger.Lease(a, $"lease-{i}", "me", 50m, at.AddHours(1), at)], CancellationToken.None);
        }

        await OneBatchAsync(writer, null, settings, Enumerable.Range(0, 5)
            .SelectMany(k => Enumerable.Range(0, 50).Select(i => new Func<CreditLedgerWriter, Task<CreditAccount>>(w =>
                w.SettleAsync(User(i), settings, a => CreditLedger.CaptureFromLease(a, $"lease-{i}", new CallCapture($"call-{i}-{k}", 1m, null, null, new(1, 1)), at), $"call-{i}-{k}", CancellationToken.None))))
            .ToList());

        await using var session = _db.Store.QuerySession();
        for (var i = 0; i < 50; i++)
        {
            var id = CreditAccount.StreamIdFor(User(i));
            var stored = (await session.LoadAsync<CreditAccount>(id))!;
            var replayed = (await session.Events.AggregateStreamAsync<CreditAccount>(id))!;
            // Welcome 100, lease 50, five captures of 1 from the lease: 95 left, 45 still leased, 5 spent.
            Assert.Equal((95m, 45m, 5m, 8), (stored.Balance, stored.Held, stored.TotalSpent, stored.Version));
            Assert.Equal((replayed.Balance, replayed.Held, replayed.TotalSpent, replayed.Version), (stored.Balance, stored.Held, stored.TotalSpent, stored.Version));
        }
    }

    [Fact]
    public async Task One_batch_that_mixes_new_and_existing_accounts_opens_each_new_one_once_and_repeats_no_capture()
    {
        await _db.UseCreditsAsync(welcome: 10m);
        var settings = await _db.SettingsAsync();
        await using var counting = CountingStore(_db.ConnectionString, out var log);
        // One lane: the batch's accounts all in one transaction, whose commits and round trips this counts.
        await using var writer = new CreditLedgerWriter(counting, TimeProvider.System, Lanes(1), NullLogger<CreditLedgerWriter>.Instance);
        var at = DateTimeOffset.UtcNow;
        for (var i = 0; i < 50; i++)
        {
            await writer.ChangeAsync(User(i), settings, a => [CreditLedger.Hold(a, $"c-{i}", 5m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, $"c-{i}");
        }

        // Existing accounts 0..49 are captured (twice each, the second a no-op) and new accounts 50..99 are held, in one batch.
        var batch = await OneBatchAsync(writer, log, settings, Enumerable.Range(0, 100).SelectMany(i => i < 50
            ? new Func<CreditLedgerWriter, Task<CreditAccount>>[]
            {
                w => w.SettleAsync(User(i), settings, a => CreditLedger.Capture(a, new CallCapture($"c-{i}", 3m, null, null, new(1, 1)), at), $"c-{i}", CancellationToken.None),
                w => w.SettleAsync(User(i), settings, a => CreditLedger.Capture(a, new CallCapture($"c-{i}", 3m, null, null, new(1, 1)), at), $"c-{i}", CancellationToken.None),
            }
            : [w => w.ChangeAsync(User(i), settings, a => [CreditLedger.Hold(a, $"c-{i}", 5m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, $"c-{i}")]).ToList());

        Assert.Equal(1, batch.Commits);
        await using var session = _db.Store.QuerySession();
        for (var i = 0; i < 100; i++)
        {
            var stored = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(User(i))))!;
            var events = await session.Events.FetchStreamAsync(CreditAccount.StreamIdFor(User(i)));
            Assert.Equal(i < 50 ? (7m, 0m, 3m) : (10m, 5m, 0m), (stored.Balance, stored.Held, stored.TotalSpent));
            // Opened, granted, held (and captured once for the existing ones).
            Assert.Equal(i < 50 ? 4 : 3, events.Count);
            Assert.Equal(events.Count, stored.Version);
        }
    }

    [Fact]
    public async Task The_set_based_save_writes_the_rows_marten_writes_and_each_streams_events_in_version_order()
    {
        await _db.UseCreditsAsync(welcome: 10m);
        var settings = await _db.SettingsAsync();
        await using var counting = CountingStore(_db.ConnectionString, out var log);
        await using var writer = new CreditLedgerWriter(counting, TimeProvider.System, Lanes(1), NullLogger<CreditLedgerWriter>.Instance);
        var at = DateTimeOffset.UtcNow;
        IReadOnlyList<object> TwoHolds(CreditAccount a)
        {
            var first = CreditLedger.Hold(a, "c-1", 2m, "openai/m", at.AddMinutes(15), at);
            var evolved = a.Copy();
            CreditAccountEvolution.ApplyAll(evolved, [first]);
            return [first, CreditLedger.Hold(evolved, "c-2", 3m, "openai/m", at.AddMinutes(15), at)];
        }

        // Marten writes the first account's holds: the batch opens that account. The second account exists, so the
        // same holds go through the set-based save, in one batch of their own.
        await writer.ChangeAsync("by-marten", settings, TwoHolds, CancellationToken.None);
        await writer.ChangeAsync("set-based", settings, a => [], CancellationToken.None);
        var batch = await OneBatchAsync(writer, log, settings, [w => w.ChangeAsync("set-based", settings, TwoHolds, CancellationToken.None)]);
        Assert.Equal((1, 0), (batch.Commits, batch.MartenAppends));

        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        async Task<List<string>> RowsAsync(string sql, string user)
        {
            await using var command = new NpgsqlCommand(sql.Replace("{schema}", HubMartenConfiguration.Schema, StringComparison.Ordinal), connection);
            command.Parameters.AddWithValue(CreditAccount.StreamIdFor(user));
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
            }

            return rows;
        }

        // The holds' event rows, column by column (the event's JSON as jsonb, so key order does not matter; its time is
        // the ledger's clock, later for the second account), in the order of their sequence numbers: the versions follow it.
        const string Holds = "select version, type, mt_dotnet_type, tenant_id, is_archived, (data - 'at')::text, bdata from {schema}.mt_events " +
            "where stream_id = $1 and type = 'credits_held' order by seq_id";
        var byMarten = await RowsAsync(Holds, "by-marten");
        Assert.Equal(2, byMarten.Count);
        Assert.Equal(byMarten, await RowsAsync(Holds, "set-based"));
        const string Versions = "select version from {schema}.mt_events where stream_id = $1 order by seq_id";
        var versions = (await RowsAsync(Versions, "set-based")).Select(long.Parse).ToList();
        Assert.Equal(versions.Order(), versions);

        // The stream row and the account document: what Marten's own save and inline projection leave.
        const string Stream = "select s.version, s.type, s.tenant_id, s.is_archived, count(e.seq_id) from {schema}.mt_streams s " +
            "join {schema}.mt_events e on e.stream_id = s.id where s.id = $1 group by s.version, s.type, s.tenant_id, s.is_archived";
        Assert.Equal(await RowsAsync(Stream, "by-marten"), await RowsAsync(Stream, "set-based"));
        const string Document = "select mt_version, mt_dotnet_type, user_id = data->>'userId', data->'version', data->'balance', data->'held', " +
            "jsonb_array_length(data->'holds') from {schema}.mt_doc_creditaccount where id = $1";
        Assert.Equal(await RowsAsync(Document, "by-marten"), await RowsAsync(Document, "set-based"));

        await using var session = _db.Store.QuerySession();
        var id = CreditAccount.StreamIdFor("set-based");
        var stored = (await session.LoadAsync<CreditAccount>(id))!;
        var replayed = (await session.Events.AggregateStreamAsync<CreditAccount>(id))!;
        var serializer = _db.Store.Options.Serializer();
        Assert.Equal(serializer.ToJson(replayed), serializer.ToJson(stored));
        Assert.Equal((10m, 5m, 4), (stored.Balance, stored.Held, stored.Version));
    }

    [Fact]
    public async Task The_round_trips_of_a_batch_do_not_grow_with_the_accounts_it_touches_and_its_settlements_are_one_statement()
    {
        await _db.UseCreditsAsync(welcome: 10m);
        var settings = await _db.SettingsAsync();
        await using var counting = CountingStore(_db.ConnectionString, out var log);
        // One lane: the batch's accounts all in one transaction, whose commits and round trips this counts.
        await using var writer = new CreditLedgerWriter(counting, TimeProvider.System, Lanes(1), NullLogger<CreditLedgerWriter>.Instance);
        var at = DateTimeOffset.UtcNow;
        for (var i = 0; i < 200; i++)
        {
            await writer.ChangeAsync(User(i), settings, a => [CreditLedger.Hold(a, $"c-{i}", 5m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, $"c-{i}");
        }

        Task<RoundTrips> CapturesAsync(int from, int count) => OneBatchAsync(writer, log, settings, Enumerable.Range(from, count)
            .Select(i => new Func<CreditLedgerWriter, Task<CreditAccount>>(w =>
                w.SettleAsync(User(i), settings, a => CreditLedger.Capture(a, new CallCapture($"c-{i}", 3m, null, null, new(1, 1)), at), $"c-{i}", CancellationToken.None)))
            .ToList());

        var few = await CapturesAsync(0, 10);
        var many = await CapturesAsync(10, 190);

        Assert.Equal((1, 1), (few.Commits, many.Commits));
        Assert.Equal(few.Count, many.Count);
        // The settlement index of the 190 captures is written with one statement, not one upsert each; so are their
        // events and account documents (set-based save): the statements of the batch do not grow with its accounts.
        Assert.Equal(1, many.SettlementWrites);
        Assert.Equal(few.Statements, many.Statements);
        Assert.Equal(0, many.MartenAppends);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    public async Task Two_instances_writing_to_the_same_accounts_at_once_never_overspend_and_never_deadlock(int firstLanes, int secondLanes)
    {
        await _db.UseCreditsAsync(welcome: 10m);
        var settings = await _db.SettingsAsync();
        using var other = DocumentStore.For(options => HubMartenConfiguration.Configure(options, _db.ConnectionString));
        // With several lanes each (and a different count on each instance), an account is written by different lanes'
        // transactions on the two instances, each of which locks many accounts at once.
        await using var first = new CreditLedgerWriter(_db.Store, TimeProvider.System, Lanes(firstLanes), NullLogger<CreditLedgerWriter>.Instance);
        await using var second = new CreditLedgerWriter(other, TimeProvider.System, Lanes(secondLanes), NullLogger<CreditLedgerWriter>.Instance);
        var at = DateTimeOffset.UtcNow;
        var held = new ConcurrentBag<string>();

        // 60 accounts of 10 credits; each instance tries 4 holds of 1 on every account, in opposite orders.
        var accounts = Enumerable.Range(0, 60).ToList();
        async Task HoldAsync(CreditLedgerWriter writer, string instance, int i, int n)
        {
            var call = $"{instance}-{i}-{n}";
            try
            {
                await writer.ChangeAsync(User(i), settings, a => [CreditLedger.Hold(a, call, 1m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, call);
                held.Add(User(i));
            }
            catch (CreditRuleException)
            {
            }
        }

        var all = Task.WhenAll(Enumerable.Range(0, 4).SelectMany(n =>
            accounts.Select(i => HoldAsync(first, "one", i, n)).Concat(accounts.AsEnumerable().Reverse().Select(i => HoldAsync(second, "two", i, n)))));
        await all.WaitAsync(TimeSpan.FromSeconds(60));

        await using var session = _db.Store.QuerySession();
        foreach (var i in accounts)
        {
            var stored = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(User(i))))!;
            // Eight holds of 1 fit in 10: every one that was answered is on the account, and the account never went below zero.
            Assert.Equal(held.Count(u => u == User(i)), stored.Holds.Count);
            Assert.Equal((10m, 8m), (stored.Balance, stored.Held));
            var replayed = (await session.Events.AggregateStreamAsync<CreditAccount>(stored.Id))!;
            Assert.Equal((replayed.Held, replayed.Version), (stored.Held, stored.Version));
        }
    }

    [Fact]
    public async Task Two_instances_spending_the_same_small_balances_at_once_never_take_more_than_there_is()
    {
        await _db.UseCreditsAsync(welcome: 3m);
        var settings = await _db.SettingsAsync();
        using var other = DocumentStore.For(options => HubMartenConfiguration.Configure(options, _db.ConnectionString));
        await using var first = new CreditLedgerWriter(_db.Store, TimeProvider.System, Defaults, NullLogger<CreditLedgerWriter>.Instance);
        await using var second = new CreditLedgerWriter(other, TimeProvider.System, Defaults, NullLogger<CreditLedgerWriter>.Instance);
        var at = DateTimeOffset.UtcNow;
        var accepted = new ConcurrentDictionary<string, int>();

        async Task HoldAsync(CreditLedgerWriter writer, string call, int i)
        {
            try
            {
                await writer.ChangeAsync(User(i), settings, a => [CreditLedger.Hold(a, call, 1m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, call);
                accepted.AddOrUpdate(User(i), 1, (_, n) => n + 1);
            }
            catch (Exception ex) when (ex is CreditRuleException or Application.Errors.ConflictException)
            {
            }
        }

        // 40 accounts of 3 credits, 10 holds of 1 on each from each instance.
        await Task.WhenAll(Enumerable.Range(0, 10).SelectMany(n => Enumerable.Range(0, 40).SelectMany(i => new[]
        {
            HoldAsync(first, $"one-{i}-{n}", i),
            HoldAsync(second, $"two-{i}-{n}", 39 - i),
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        await using var session = _db.Store.QuerySession();
        for (var i = 0; i < 40; i++)
        {
            var stored = (await session.LoadAsync<CreditAccount>(CreditAccount.StreamIdFor(User(i))))!;
            Assert.Equal(3, accepted[User(i)]);
            Assert.Equal((3m, 3m, 0m), (stored.Balance, stored.Held, stored.Available));
        }
    }

    [Fact]
    public async Task A_capture_on_a_database_whose_schema_was_not_applied_creates_the_settlement_index_and_is_written()
    {
        var connectionString = await Tests.Shared.TestDatabase.CreateAsync("ledgerfresh");
        using var fresh = DocumentStore.For(options => HubMartenConfiguration.Configure(options, connectionString));
        await BillingStreams.ChangeSettingsAsync(fresh, 0, current => BillingDecisions.Change(
            current, new BillingSettingsValues(BillingMode.Credits, 1m, 2m, "$", 10m, null, "https://pay.example/buy", 4096), "test", DateTimeOffset.UtcNow),
            CancellationToken.None);
        BillingSettings settings;
        await using (var read = fresh.QuerySession())
        {
            settings = (await read.LoadAsync<BillingSettings>(BillingSettings.StreamId))!;
        }

        await using var writer = new CreditLedgerWriter(fresh, TimeProvider.System, Defaults, NullLogger<CreditLedgerWriter>.Instance);
        var at = DateTimeOffset.UtcNow;
        await writer.ChangeAsync("alice", settings, a => [CreditLedger.Hold(a, "c1", 5m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None);
        // No call id given: the batch reads no settlements, so only the write can create the index.
        var captured = await writer.ChangeAsync("alice", settings, a => CreditLedger.Capture(a, new CallCapture("c1", 3m, null, null, new(1, 1)), at), CancellationToken.None);

        Assert.Equal((7m, 0m), (captured.Balance, captured.Held));
        await using var session = fresh.QuerySession();
        Assert.Equal(Settlement.Captured, (await session.LoadAsync<CallSettlement>("c1"))!.Settlement);
    }

    [Fact]
    public async Task An_account_whose_row_another_writer_holds_does_not_stop_the_writes_of_accounts_on_another_lane()
    {
        await _db.UseCreditsAsync(welcome: 10m);
        var settings = await _db.SettingsAsync();
        await using var writer = new CreditLedgerWriter(_db.Store, TimeProvider.System, Lanes(2), NullLogger<CreditLedgerWriter>.Instance);
        var blocked = User(0);
        var elsewhere = Enumerable.Range(1, 100).Select(User).First(u => writer.LaneOfUser(u) != writer.LaneOfUser(blocked));
        var sameLane = Enumerable.Range(1, 100).Select(User).First(u => writer.LaneOfUser(u) == writer.LaneOfUser(blocked));
        await writer.ChangeAsync(blocked, settings, a => [], CancellationToken.None);
        var at = DateTimeOffset.UtcNow;

        // Another instance's transaction holds the account's row: the lane that writes it waits for it.
        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM {HubMartenConfiguration.Schema}.mt_streams WHERE id = @id FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.AddWithValue("id", CreditAccount.StreamIdFor(blocked));
            await lockRow.ExecuteScalarAsync();
        }

        var waiting = writer.ChangeAsync(blocked, settings, a => [CreditLedger.Hold(a, "w", 1m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, "w");
        await WaitForLockWaitAsync();
        var behind = writer.ChangeAsync(sameLane, settings, a => [CreditLedger.Hold(a, "s", 1m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, "s");

        // The other lane goes on writing meanwhile; the blocked lane's changes follow once the row is free.
        var written = await writer.ChangeAsync(elsewhere, settings, a => [CreditLedger.Hold(a, "e", 1m, "openai/m", at.AddMinutes(15), at)], CancellationToken.None, "e")
            .WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1m, written.Held);
        Assert.False(waiting.IsCompleted);
        Assert.False(behind.IsCompleted);

        await transaction.RollbackAsync();
        Assert.Equal((1m, 1m), ((await waiting).Held, (await behind).Held));
    }

    private static IOptions<BillingOptions> Lanes(int lanes) => Options.Create(new BillingOptions { CacheSeconds = 0, LedgerWriterLanes = lanes });

    /// <summary>
    /// Runs the given changes as one batch of the writer: a change on an account whose stream row another connection
    /// has locked keeps the writer busy while the changes queue, and the lock is then released. Returns the database
    /// round trips and commits of that batch alone.
    /// </summary>
    private async Task<RoundTrips> OneBatchAsync(CreditLedgerWriter writer, CountingLogger? log, BillingSettings settings, IReadOnlyList<Func<CreditLedgerWriter, Task<CreditAccount>>> changes)
    {
        const string Blocker = "blocker";
        await writer.ChangeAsync(Blocker, settings, a => [], CancellationToken.None);
        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM {HubMartenConfiguration.Schema}.mt_streams WHERE id = @id FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.AddWithValue("id", CreditAccount.StreamIdFor(Blocker));
            await lockRow.ExecuteScalarAsync();
        }

        var blocked = writer.ChangeAsync(Blocker, settings, a => [], CancellationToken.None);
        // Wait (bounded) until the writer waits on the lock: the blocked change has left the queue.
        await WaitForLockWaitAsync();
        var commitsBefore = writer.Commits;
        var startedBefore = log?.Sessions.Count ?? 0;
        var tasks = changes.Select(change => change(writer)).ToList();
        await transaction.RollbackAsync();
        await blocked;
        await Task.WhenAll(tasks);

        var sessions = log?.Sessions.Skip(startedBefore).ToList() ?? [];
        return new RoundTrips(
            sessions.Sum(s => s.Executed),
            (int)(writer.Commits - commitsBefore),
            sessions.Sum(s => s.SettlementWrites),
            sessions.Sum(s => s.Statements),
            sessions.Sum(s => s.MartenAppends));
    }

    private async Task WaitForLockWaitAsync()
    {
        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the writer never waited on the locked account");
            await Task.Delay(20);
        }
    }

    private static DocumentStore CountingStore(string connectionString, out CountingLogger log)
    {
        var logger = new CountingLogger();
        log = logger;
        return DocumentStore.For(options =>
        {
            HubMartenConfiguration.Configure(options, connectionString);
            options.Logger(logger);
        });
    }

    private readonly record struct RoundTrips(int Count, int Commits, int SettlementWrites, int Statements, int MartenAppends);

    /// <summary>Counts the commands and batches each session sends (one each per round trip).</summary>
    private sealed class CountingLogger : IMartenLogger
    {
        public ConcurrentQueue<SessionCount> Sessions { get; } = new();

        public IMartenSessionLogger StartSession(IQuerySession session)
        {
            var count = new SessionCount();
            Sessions.Enqueue(count);
            return count;
        }

        public void SchemaChange(string sql)
        {
        }
    }

    private sealed class SessionCount : IMartenSessionLogger
    {
        private int _executed;

        public int Executed => _executed;

        public void LogSuccess(NpgsqlCommand command)
        {
            Interlocked.Increment(ref _executed);
            Count(command.CommandText);
        }

        private int _settlementWrites;

        /// <summary>Statements that wrote to the settlement index.</summary>
        public int SettlementWrites => _settlementWrites;

        private int _statements;

        /// <summary>Statements sent through Marten (a batch's each).</summary>
        public int Statements => _statements;

        private int _martenAppends;

        /// <summary>Calls of Marten's append function (one per stream appended to through Marten).</summary>
        public int MartenAppends => _martenAppends;

        public void LogSuccess(NpgsqlBatch batch)
        {
            Interlocked.Increment(ref _executed);
            foreach (var command in batch.BatchCommands)
            {
                Count(command.CommandText);
            }
        }

        private void Count(string sql)
        {
            Interlocked.Increment(ref _statements);
            if (sql.StartsWith("insert into", StringComparison.OrdinalIgnoreCase) && sql.Contains("mt_doc_callsettlement", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _settlementWrites);
            }

            if (sql.Contains("mt_quick_append_events", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _martenAppends);
            }
        }

        public void LogFailure(NpgsqlCommand command, Exception ex) => Interlocked.Increment(ref _executed);

        public void LogFailure(NpgsqlBatch batch, Exception ex) => Interlocked.Increment(ref _executed);

        public void LogFailure(Exception ex, string message)
        {
        }

        public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
        {
        }

        public void OnBeforeExecute(NpgsqlCommand command)
        {
        }

        public void OnBeforeExecute(NpgsqlBatch batch)
        {
        }
    }
}
