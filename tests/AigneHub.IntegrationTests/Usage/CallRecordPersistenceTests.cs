using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Persistence;
using AigneHub.Infrastructure.Usage;
using AigneHub.Tests.Shared;
using JasperFx;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Usage;

/// <summary>Call records through the batching recorder into Marten on a real PostgreSQL, and back out.</summary>
public sealed class CallRecordPersistenceTests : IAsyncLifetime
{
    private DocumentStore _store = null!;
    private string _connectionString = "";

    public async Task InitializeAsync()
    {
        // A fresh database per test class: the data starts empty, whatever ran before.
        _connectionString = await TestDatabase.CreateAsync("usage");
        _store = DocumentStore.For(options => HubMartenConfiguration.Configure(options, _connectionString));
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        try
        {
            Directory.Delete(_journal, recursive: true);
        }
        catch (IOException)
        {
            // A recorder of a test still holds its slot; the temp folder is cleaned by the system.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Recorded_call_is_written_and_read_back_with_every_field()
    {
        var recorder = NewRecorder(batchSize: 10, flushIntervalMs: 20);
        await recorder.StartAsync(CancellationToken.None);
        var record = Record("req-1", DateTimeOffset.UtcNow) with { TtfbMs = 12.5, ErrorKind = ErrorKind.UpstreamTimeout, Status = CallStatus.Failed };

        recorder.Record(record);
        var read = await WaitForAsync(1);

        var stored = Assert.Single(read);
        Assert.Equal(record.Id, stored.Id);
        Assert.Equal(record with { StartedAt = stored.StartedAt }, stored);
        Assert.Equal(record.StartedAt.ToUnixTimeMilliseconds(), stored.StartedAt.ToUnixTimeMilliseconds());
        await recorder.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Records_queued_at_shutdown_are_all_written_before_stop_returns()
    {
        // A flush interval far longer than the test: only the shutdown drain can write these.
        var recorder = NewRecorder(batchSize: 50, flushIntervalMs: 60_000);
        await recorder.StartAsync(CancellationToken.None);
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 1_234; i++)
        {
            recorder.Record(Record($"req-{i}", start.AddMilliseconds(i)));
        }

        await recorder.StopAsync(CancellationToken.None);

        await using var session = _store.QuerySession();
        Assert.Equal(1_234, await session.Query<CallRecord>().CountAsync());
    }

    [Fact]
    public async Task Recent_calls_are_listed_newest_first_and_limited()
    {
        await using (var session = _store.LightweightSession())
        {
            var start = DateTimeOffset.UtcNow.AddMinutes(-10);
            session.Store(Enumerable.Range(0, 20).Select(i => Record($"req-{i}", start.AddSeconds(i))).ToArray());
            await session.SaveChangesAsync();
        }

        var recent = await new MartenCallRecordReader(_store).ListRecentAsync(5, CancellationToken.None);

        Assert.Equal(["req-19", "req-18", "req-17", "req-16", "req-15"], recent.Select(r => r.RequestId));
    }

    [Fact]
    public async Task Records_of_a_killed_run_are_replayed_from_the_journal_exactly_once()
    {
        // The first run never writes (a flush interval far longer than the test) and is "killed": its journal is
        // released without the recorder stopping, as when the process dies.
        var killed = NewRecorder(batchSize: 10_000, flushIntervalMs: 60_000);
        await killed.StartAsync(CancellationToken.None);
        var start = DateTimeOffset.UtcNow;
        var records = Enumerable.Range(0, 300).Select(i => Record($"req-killed-{i}", start.AddMilliseconds(i))).ToList();
        foreach (var record in records)
        {
            killed.Record(record);
        }

        // Some of them reached the database before the kill (a batch committed, its segment not yet deleted).
        var earlier = NewRecorder(batchSize: 64, flushIntervalMs: 20);
        await earlier.StartAsync(CancellationToken.None);
        foreach (var record in records.Take(100))
        {
            earlier.Record(record);
        }

        await earlier.StopAsync(CancellationToken.None);
        earlier.Dispose();

        killed.Dispose();

        var next = NewRecorder(batchSize: 64, flushIntervalMs: 20);
        await next.StartAsync(CancellationToken.None);
        await next.StopAsync(CancellationToken.None);
        next.Dispose();

        await using var query = _store.QuerySession();
        Assert.Equal(300, await query.Query<CallRecord>().CountAsync(r => r.RequestId.StartsWith("req-killed-")));
        await StatisticsDaemon.RunUntilCaughtUpAsync(_store);
        Assert.Equal(300, await StatisticsDaemon.CountedCallsAsync(_store));
        Assert.Empty(Directory.EnumerateFiles(_journal, "segment-*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_record_carrying_nul_characters_is_stored_with_them_replaced_and_blocks_neither_its_batch_nor_the_next_start()
    {
        // PostgreSQL stores no U+0000: such a record once failed its batch for ever (every record behind it unwritten)
        // and, left in the journal, stopped the next start at the replay.
        var start = DateTimeOffset.UtcNow;
        var poisoned = Record("req-nul\u0000", start) with { EndUser = "end\u0000user", Metadata = new Dictionary<string, string> { ["k\u0000"] = "v\u0000" } };
        var killed = NewRecorder(batchSize: 10_000, flushIntervalMs: 60_000);
        await killed.StartAsync(CancellationToken.None);
        killed.Record(poisoned with { Id = Guid.CreateVersion7(start.AddMilliseconds(-1)), StartedAt = start.AddMilliseconds(-1), RequestId = "req-nul-journal\u0000" });
        killed.Dispose();

        var recorder = NewRecorder(batchSize: 10, flushIntervalMs: 20);
        await recorder.StartAsync(CancellationToken.None);
        recorder.Record(poisoned);
        recorder.Record(Record("req-after-nul", start.AddMilliseconds(1)));
        var read = await WaitForAsync(3);
        await recorder.StopAsync(CancellationToken.None);
        recorder.Dispose();

        Assert.Equal(["req-after-nul", "req-nul\uFFFD", "req-nul-journal\uFFFD"], read.Select(r => r.RequestId));
        var stored = read.Single(r => r.Id == poisoned.Id);
        Assert.Equal("end\uFFFDuser", stored.EndUser);
        Assert.Equal("v\uFFFD", stored.Metadata!["k\uFFFD"]);
        Assert.Empty(Directory.EnumerateFiles(_journal, "segment-*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Written_records_leave_no_journal_behind()
    {
        var recorder = NewRecorder(batchSize: 10, flushIntervalMs: 20);
        await recorder.StartAsync(CancellationToken.None);
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 25; i++)
        {
            recorder.Record(Record($"req-clean-{i}", start.AddMilliseconds(i)));
        }

        await WaitForAsync(25);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Directory.EnumerateFiles(_journal, "segment-*", SearchOption.AllDirectories).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Empty(Directory.EnumerateFiles(_journal, "segment-*", SearchOption.AllDirectories));
        await recorder.StopAsync(CancellationToken.None);
        recorder.Dispose();
    }

    [Fact]
    public async Task A_batch_whose_commit_landed_but_whose_answer_was_lost_is_counted_once()
    {
        // The first commit lands, then the session fails as a dropped connection would after COMMIT: the recorder
        // cannot tell that it landed and tries again.
        var lostAnswer = new FailAfterFirstCommit();
        using var store = DocumentStore.For(options =>
        {
            HubMartenConfiguration.Configure(options, _connectionString);
            options.Listeners.Add(lostAnswer);
        });
        var recorder = NewRecorder(store, batchSize: 100, flushIntervalMs: 60_000);
        await recorder.StartAsync(CancellationToken.None);
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < 100; i++)
        {
            recorder.Record(Record($"req-lost-{i}", start.AddMilliseconds(i)));
        }

        await recorder.StopAsync(CancellationToken.None);
        recorder.Dispose();

        Assert.True(lostAnswer.Failed);
        await StatisticsDaemon.RunUntilCaughtUpAsync(_store);
        Assert.Equal(100, await StatisticsDaemon.CountedCallsAsync(_store));
        await using var query = _store.QuerySession();
        Assert.Equal(100, await query.Query<CallRecord>().CountAsync());
    }

    [Fact]
    public async Task Two_recorders_on_one_database_count_every_call_once()
    {
        var first = NewRecorder(batchSize: 32, flushIntervalMs: 5);
        var second = NewRecorder(batchSize: 32, flushIntervalMs: 5);
        await first.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);
        var start = DateTimeOffset.UtcNow;
        await Task.WhenAll(
            Task.Run(() => RecordMany(first, "req-a-", start)),
            Task.Run(() => RecordMany(second, "req-b-", start)));
        await first.StopAsync(CancellationToken.None);
        await second.StopAsync(CancellationToken.None);
        first.Dispose();
        second.Dispose();

        await StatisticsDaemon.RunUntilCaughtUpAsync(_store);
        Assert.Equal(1_000, await StatisticsDaemon.CountedCallsAsync(_store));
        await using var query = _store.QuerySession();
        Assert.Equal(1_000, await query.Query<CallRecord>().CountAsync());
    }

    [Fact]
    public async Task Recorder_writes_the_rows_marten_writes()
    {
        // The recorder upserts a batch with SQL of its own: its row must be the one Marten's Store writes (so a
        // column added to the mapping, e.g. a duplicated field, fails here until the recorder's statement fills it).
        var record = Record("req-row", DateTimeOffset.UtcNow) with { UserId = "u-1", AppId = "app", CreditsCharged = 0.25m, Metadata = new Dictionary<string, string> { ["k"] = "v" } };
        var recorder = NewRecorder(batchSize: 1, flushIntervalMs: 20);
        await recorder.StartAsync(CancellationToken.None);
        recorder.Record(record);
        await recorder.StopAsync(CancellationToken.None);
        recorder.Dispose();
        var byRecorder = await RowAsync(record.Id);

        await using (var session = _store.LightweightSession())
        {
            session.Store(record);
            await session.SaveChangesAsync();
        }

        Assert.Equal(await RowAsync(record.Id), byRecorder);
    }

    private static void RecordMany(BatchingCallRecorder recorder, string prefix, DateTimeOffset start)
    {
        for (var i = 0; i < 500; i++)
        {
            recorder.Record(Record(prefix + i, start.AddMilliseconds(i)));
        }
    }

    /// <summary>The stored row of a call record as JSON, without the columns that change on every write.</summary>
    private async Task<string?> RowAsync(Guid id)
    {
        await using var session = _store.QuerySession();
        var rows = await session.QueryAsync<string>(
            $"select (to_jsonb(d) - 'mt_version' - 'mt_last_modified')::text from {HubMartenConfiguration.Schema}.mt_doc_callrecord d where id = ?", id);
        return Assert.Single(rows);
    }

    /// <summary>Throws after the first commit, as a connection lost between COMMIT and its answer looks to the writer.</summary>
    private sealed class FailAfterFirstCommit : DocumentSessionListenerBase
    {
        private int _commits;

        public bool Failed => _commits > 0;

        public override Task AfterCommitAsync(IDocumentSession session, Marten.Services.IChangeSet commit, CancellationToken token) =>
            Interlocked.Increment(ref _commits) == 1
                ? throw new Npgsql.NpgsqlException("connection lost after commit (test)")
                : Task.CompletedTask;
    }

    private readonly string _journal = Path.Combine(Path.GetTempPath(), "aignehub-journal-test-" + Guid.NewGuid().ToString("N")[..8]);

    private BatchingCallRecorder NewRecorder(int batchSize, int flushIntervalMs) => NewRecorder(_store, batchSize, flushIntervalMs);

    private BatchingCallRecorder NewRecorder(DocumentStore store, int batchSize, int flushIntervalMs) =>
        new(
            store,
            Options.Create(new CallRecordingOptions { BatchSize = batchSize, FlushIntervalMs = flushIntervalMs, JournalPath = _journal }),
            new AigneHub.Infrastructure.HubDatabase("unused", IsEmbedded: false),
            NullLogger<BatchingCallRecorder>.Instance);

    private async Task<IReadOnlyList<CallRecord>> WaitForAsync(int count)
    {
        var reader = new MartenCallRecordReader(_store);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var records = await reader.ListRecentAsync(100, CancellationToken.None);
            if (records.Count >= count || DateTime.UtcNow > deadline)
            {
                return records;
            }

            await Task.Delay(20);
        }
    }

    private static CallRecord Record(string requestId, DateTimeOffset startedAt) => new()
    {
        Id = Guid.CreateVersion7(startedAt),
        RequestId = requestId,
        Provider = "openai",
        Model = "gpt-4o-mini",
        CallType = CallType.Chat,
        Streamed = true,
        PromptTokens = 10,
        CompletionTokens = 20,
        TtfbMs = null,
        LatencyMs = 123.4,
        Status = CallStatus.Succeeded,
        ErrorKind = ErrorKind.None,
        StartedAt = startedAt,
    };
}
