using AigneHub.Application.Abstractions;
using AigneHub.Domain.Usage;
using AigneHub.Domain.Usage.Statistics;
using AigneHub.Infrastructure.Persistence;
using AigneHub.Infrastructure.Usage;
using AigneHub.Tests.Shared;
using Marten;
using Marten.Events;

namespace AigneHub.IntegrationTests.Usage;

/// <summary>
/// The asynchronous usage-statistics projection on a real PostgreSQL, run by Marten's daemon: exact aggregates for a
/// known set of calls across hour, day and daylight-saving boundaries in a non-UTC reporting zone.
/// </summary>
public sealed class UsageStatisticsProjectionTests : IAsyncLifetime
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private DocumentStore _store = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestDatabase.CreateAsync("usagestats");
        _store = DocumentStore.For(options => HubMartenConfiguration.Configure(options, connectionString, NewYork));
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public void The_daemon_loads_only_the_events_the_statistics_count_not_the_ledgers()
    {
        // Without a filter the daemon reads back and deserializes every event of the store: in credits mode one or two
        // ledger events per call, as many as the statistics' own.
        var statistics = _store.Options.Projections.All.OfType<JasperFx.Events.Projections.ProjectionBase>()
            .Single(p => p.Name == UsageStatisticsProjection.Name);
        Assert.Equal(
            [nameof(CallRecorded), nameof(CallsRecorded)],
            statistics.IncludedEventTypes.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Hourly_and_daily_buckets_hold_exact_sums_across_an_hour_a_day_and_a_clock_change()
    {
        // New York's clocks go back on 1 November 2026 at 02:00 EDT (06:00 UTC): that local day is 25 hours long,
        // from 04:00 UTC on 1 November to 05:00 UTC on 2 November.
        var calls = new[]
        {
            Call("2026-11-01T03:59:59Z", "alice", 10, 5, 0.001234m, 12),   // 31 October local (23:59:59 EDT)
            Call("2026-11-01T04:00:00Z", "alice", 20, 10, 0.002m, 30),     // 1 November local, first second
            Call("2026-11-01T04:59:00Z", "bob", 1, 1, 0.5m, 1000),
            Call("2026-11-01T06:30:00Z", "alice", 3, 4, 0.000001m, 8),     // 01:30 EST, after the change
            Call("2026-11-02T04:30:00Z", "bob", 7, 7, 0.1m, 50, CallStatus.Failed), // 23:30 EST, still 1 November
            Call("2026-11-02T05:00:00Z", "alice", 2, 2, 1m, 20),           // 2 November local, first second
        };
        await AppendAsync(calls);

        await RunDaemonUntilCaughtUpAsync();

        var reader = new MartenUsageStatisticsReader(_store);
        var days = await ReadAsync(reader, UsageGranularity.Day, NewYork.Id, "2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z");
        var oct31 = Sum(days.Where(b => b.Start == At("2026-10-31T04:00:00Z")));
        var nov1 = Sum(days.Where(b => b.Start == At("2026-11-01T04:00:00Z")));
        var nov2 = Sum(days.Where(b => b.Start == At("2026-11-02T05:00:00Z")));

        Assert.Equal((1, 10, 5, 0.001234m), (oct31.Calls, oct31.PromptTokens, oct31.CompletionTokens, oct31.Credits));
        Assert.Equal((4, 3, 1, 31L, 22L, 0.602001m), (nov1.Calls, nov1.Successes, nov1.Failures, nov1.PromptTokens, nov1.CompletionTokens, nov1.Credits));
        Assert.Equal((1, 1m), (nov2.Calls, nov2.Credits));
        Assert.Equal(1000, nov1.LatencyMaxMs);
        Assert.Equal(3, days.Select(b => b.Start).Distinct().Count());

        var hours = await ReadAsync(reader, UsageGranularity.Hour, "UTC", "2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z");
        var fourOClock = Sum(hours.Where(b => b.Start == At("2026-11-01T04:00:00Z")));
        Assert.Equal((2, 21L, 0.502m), (fourOClock.Calls, fourOClock.PromptTokens, fourOClock.Credits));
        Assert.Equal(5, hours.Select(b => b.Start).Distinct().Count());
        Assert.Equal(6, hours.Sum(b => b.Figures.Calls));

        // Per user: alice's 1 November day, from her own bucket rows only.
        var aliceNov1 = Sum(days.Where(b => b.UserId == "alice" && b.Start == At("2026-11-01T04:00:00Z")));
        Assert.Equal((2, 0.002001m), (aliceNov1.Calls, aliceNov1.Credits));
    }

    [Fact]
    public async Task Each_call_is_counted_once_across_daemon_restarts()
    {
        await AppendAsync([Call("2026-11-23T10:00:00Z", "u", 1, 1, 0.25m, 5), Call("2026-11-23T10:10:00Z", "u", 1, 1, 0.25m, 5)]);
        await RunDaemonUntilCaughtUpAsync();
        await AppendAsync([Call("2026-11-23T10:20:00Z", "u", 1, 1, 0.25m, 5)]);
        await RunDaemonUntilCaughtUpAsync();

        var reader = new MartenUsageStatisticsReader(_store);
        var hours = await ReadAsync(reader, UsageGranularity.Hour, "UTC", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z");
        var sum = Sum(hours);
        Assert.Equal((3, 0.75m), (sum.Calls, sum.Credits));
        Assert.False((await reader.ProgressAsync(CancellationToken.None)).Stale);
    }

    [Fact]
    public async Task Progress_reports_stale_until_the_daemon_has_counted_the_new_calls()
    {
        await AppendAsync([Call("2026-11-23T10:00:00Z", "u", 1, 1, 0m, 5)]);
        var reader = new MartenUsageStatisticsReader(_store);

        Assert.True((await reader.ProgressAsync(CancellationToken.None)).Stale);
        await RunDaemonUntilCaughtUpAsync();
        Assert.False((await reader.ProgressAsync(CancellationToken.None)).Stale);
    }

    [Fact]
    public async Task Calls_stored_per_call_by_earlier_versions_and_per_batch_by_this_one_are_each_counted_once()
    {
        // A database upgraded in place: events of the old per-call form, then batches of the new form.
        await AppendPerCallAsync([Call("2026-11-23T10:00:00Z", "u", 1, 2, 0.25m, 5), Call("2026-11-23T10:05:00Z", "v", 3, 4, 0.5m, 7)]);
        await AppendAsync([Call("2026-11-23T10:05:30Z", "u", 5, 6, 1m, 9), Call("2026-11-23T10:05:40Z", "u", 7, 8, 2m, 11), Call("2026-11-23T11:00:00Z", "v", 9, 10, 4m, 13)]);
        await RunDaemonUntilCaughtUpAsync();
        await AppendPerCallAsync([Call("2026-11-23T11:30:00Z", "u", 11, 12, 8m, 15)]);
        await RunDaemonUntilCaughtUpAsync();

        var reader = new MartenUsageStatisticsReader(_store);
        var hours = await ReadAsync(reader, UsageGranularity.Hour, "UTC", "2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z");
        var ten = Sum(hours.Where(b => b.Start == At("2026-11-23T10:00:00Z")));
        var eleven = Sum(hours.Where(b => b.Start == At("2026-11-23T11:00:00Z")));
        Assert.Equal((4, 16L, 20L, 3.75m, 11d), (ten.Calls, ten.PromptTokens, ten.CompletionTokens, ten.Credits, ten.LatencyMaxMs));
        Assert.Equal((2, 20L, 22L, 12m), (eleven.Calls, eleven.PromptTokens, eleven.CompletionTokens, eleven.Credits));
        var days = await ReadAsync(reader, UsageGranularity.Day, NewYork.Id, "2026-11-22T00:00:00Z", "2026-11-25T00:00:00Z");
        Assert.Equal((6, 15.75m), (Sum(days).Calls, Sum(days).Credits));
        var u = Sum(hours.Where(b => b.UserId == "u"));
        Assert.Equal((4, 11.25m), (u.Calls, u.Credits));
    }

    [Fact]
    public async Task The_daemon_writes_the_bucket_rows_marten_writes()
    {
        // The projection upserts a batch's buckets with SQL of its own: its rows must be the ones Marten's Store writes,
        // duplicated columns included (a column added to the mapping fails here until the statement fills it).
        await AppendAsync([Call("2026-11-23T10:00:00Z", "alice", 3, 4, 0.5m, 7), Call("2026-11-23T10:30:00Z", "bob", 1, 2, 0.25m, 9)]);
        await RunDaemonUntilCaughtUpAsync();
        var byDaemon = await BucketRowsAsync();
        Assert.Equal(4, byDaemon.Count);

        await using (var session = _store.LightweightSession())
        {
            session.Store((await session.Query<UsageBucket>().ToListAsync()).ToArray());
            await session.SaveChangesAsync();
        }

        Assert.Equal(await BucketRowsAsync(), byDaemon);
    }

    /// <summary>The stored bucket rows as JSON, without the columns that change on every write, in id order.</summary>
    private async Task<IReadOnlyList<string>> BucketRowsAsync()
    {
        await using var session = _store.QuerySession();
        return await session.QueryAsync<string>(
            $"select (to_jsonb(d) - 'mt_version' - 'mt_last_modified')::text from {HubMartenConfiguration.Schema}.mt_doc_usagebucket d order by id");
    }

    private Task RunDaemonUntilCaughtUpAsync() => StatisticsDaemon.RunUntilCaughtUpAsync(_store);

    /// <summary>The records as the recorder writes a batch: documents and one <see cref="CallsRecorded"/> event.</summary>
    private async Task AppendAsync(IReadOnlyList<CallRecord> records)
    {
        await using var session = _store.LightweightSession();
        session.Store(records.ToArray());
        session.Events.StartStream(CallsRecorded.StreamKey(records[0].Id), CallsRecorded.Of(records));
        await session.SaveChangesAsync();
    }

    /// <summary>The records as versions before ADR 0025 wrote them: a <see cref="CallRecorded"/> event per call, each on its own stream.</summary>
    private async Task AppendPerCallAsync(IEnumerable<CallRecord> records)
    {
        await using var session = _store.LightweightSession();
        foreach (var record in records)
        {
            session.Store(record);
            session.Events.Append(CallRecorded.StreamKey(record.Id), new CallRecorded(record));
        }

        await session.SaveChangesAsync();
    }

    private static async Task<List<UsageBucket>> ReadAsync(IUsageStatisticsReader reader, UsageGranularity granularity, string zone, string from, string to)
    {
        var buckets = new List<UsageBucket>();
        await foreach (var bucket in reader.ReadAsync(granularity, zone, At(from), At(to), null, CancellationToken.None))
        {
            buckets.Add(bucket);
        }

        return buckets;
    }

    private static UsageFigures Sum(IEnumerable<UsageBucket> buckets)
    {
        var sum = new UsageFigures();
        foreach (var bucket in buckets)
        {
            sum.Add(bucket.Figures);
        }

        return sum;
    }

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    private static CallRecord Call(string startedAt, string user, int prompt, int completion, decimal credits, double latencyMs, CallStatus status = CallStatus.Succeeded) => new()
    {
        Id = Guid.CreateVersion7(),
        RequestId = $"req-{Guid.NewGuid():N}",
        Provider = "openai",
        Model = "gpt-4o-mini",
        CallType = CallType.Chat,
        Streamed = false,
        PromptTokens = prompt,
        CompletionTokens = completion,
        LatencyMs = latencyMs,
        Status = status,
        ErrorKind = status == CallStatus.Succeeded ? ErrorKind.None : ErrorKind.UpstreamUnavailable,
        StartedAt = At(startedAt),
        UserId = user,
        CreditsCharged = credits,
    };
}
