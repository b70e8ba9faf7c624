using AigneHub.Domain.Usage;
using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.UnitTests.Domain.Usage;

public sealed class UsageStatisticsTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Theory]
    [InlineData(0.2, 0)]
    [InlineData(1.0, 0)]
    [InlineData(1.01, 1)]
    [InlineData(2.0, 4)]
    [InlineData(2.01, 5)]
    [InlineData(1000.0, 40)]
    [InlineData(1e12, LatencyHistogram.BucketCount - 1)]
    public void Latency_falls_in_the_bucket_whose_upper_bound_is_the_first_at_or_above_it(double ms, int bucket)
    {
        Assert.Equal(bucket, LatencyHistogram.BucketOf(ms));
        if (bucket is > 0 and < LatencyHistogram.BucketCount - 1)
        {
            Assert.True(ms <= LatencyHistogram.UpperBoundMs(bucket) * (1 + 1e-12));
            Assert.True(ms > LatencyHistogram.UpperBoundMs(bucket - 1));
        }
    }

    [Fact]
    public void Percentiles_are_never_below_the_true_value_and_at_most_19_percent_above_it()
    {
        var random = new Random(7);
        for (var round = 0; round < 50; round++)
        {
            var latencies = Enumerable.Range(0, 1 + random.Next(500)).Select(_ => Math.Round(Math.Exp(random.NextDouble() * 9), 3)).ToArray();
            var figures = new UsageFigures();
            foreach (var latency in latencies)
            {
                figures.Add(Record(latencyMs: latency));
            }

            Array.Sort(latencies);
            foreach (var (p, estimate) in new[] { (50d, figures.LatencyP50Ms), (95d, figures.LatencyP95Ms) })
            {
                var truth = latencies[(int)Math.Ceiling(p / 100 * latencies.Length) - 1];
                Assert.NotNull(estimate);
                Assert.InRange(estimate!.Value, truth, Math.Max(1, truth) * Math.Pow(2, 0.25) + 1e-9);
            }
        }
    }

    [Fact]
    public void Merged_figures_give_the_same_percentiles_as_counting_everything_in_one()
    {
        var one = new UsageFigures();
        var left = new UsageFigures();
        var right = new UsageFigures();
        for (var i = 1; i <= 300; i++)
        {
            var record = Record(latencyMs: i * 3.7, credits: 0.000123m * i, prompt: i, completion: 2 * i);
            one.Add(record);
            (i % 3 == 0 ? left : right).Add(record);
        }

        var merged = new UsageFigures();
        merged.Add(left);
        merged.Add(right);

        Assert.Equal(one.Calls, merged.Calls);
        Assert.Equal(one.Credits, merged.Credits);
        Assert.Equal(0.000123m * 300 * 301 / 2, merged.Credits);
        Assert.Equal(one.TotalTokens, merged.TotalTokens);
        Assert.Equal(one.LatencyP50Ms, merged.LatencyP50Ms);
        Assert.Equal(one.LatencyP95Ms, merged.LatencyP95Ms);
        Assert.Equal(one.LatencyMaxMs, merged.LatencyMaxMs);
    }

    [Fact]
    public void Outcomes_are_counted_by_status()
    {
        var figures = new UsageFigures();
        figures.Add(Record());
        figures.Add(Record(status: CallStatus.Failed));
        figures.Add(Record(status: CallStatus.Failed));
        figures.Add(Record(status: CallStatus.Cancelled));

        Assert.Equal((4, 1, 2, 1), (figures.Calls, figures.Successes, figures.Failures, figures.Cancelled));
    }

    [Fact]
    public void No_calls_have_no_latency_figures()
    {
        var figures = new UsageFigures();

        Assert.Null(figures.LatencyP50Ms);
        Assert.Null(figures.LatencyAvgMs);
    }

    [Fact]
    public void A_call_counts_in_its_utc_hour_and_in_its_local_day()
    {
        // 2026-11-23 17:30 UTC is 24 November 01:30 in Shanghai (UTC+8).
        var (hour, day) = UsageBucket.For(Record(startedAt: new DateTimeOffset(2026, 11, 23, 17, 30, 0, TimeSpan.Zero)), Shanghai);

        Assert.Equal(new DateTimeOffset(2026, 11, 23, 17, 0, 0, TimeSpan.Zero), hour.Start);
        Assert.Equal(UsageGranularity.Hour, hour.Granularity);
        Assert.Equal("UTC", hour.Zone);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 16, 0, 0, TimeSpan.Zero), day.Start);
        Assert.Equal(UsageGranularity.Day, day.Granularity);
        Assert.Equal(Shanghai.Id, day.Zone);
    }

    [Fact]
    public void The_day_clocks_go_back_is_25_hours_long_and_the_day_they_go_forward_23()
    {
        // New York: daylight time ends 2026-11-01 02:00 EDT, starts 2026-03-08 02:00 EST.
        var nov1 = UsageBucket.LocalMidnight(new DateOnly(2026, 11, 1), NewYork);
        var nov2 = UsageBucket.LocalMidnight(new DateOnly(2026, 11, 2), NewYork);
        var mar8 = UsageBucket.LocalMidnight(new DateOnly(2026, 3, 8), NewYork);
        var mar9 = UsageBucket.LocalMidnight(new DateOnly(2026, 3, 9), NewYork);

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero), nov1);
        Assert.Equal(TimeSpan.FromHours(25), nov2 - nov1);
        Assert.Equal(TimeSpan.FromHours(23), mar9 - mar8);

        // 23:30 local on 1 November (04:30 UTC the next day) still belongs to 1 November.
        Assert.Equal(nov1, UsageBucket.DayStart(new DateTimeOffset(2026, 11, 2, 4, 30, 0, TimeSpan.Zero), NewYork));
    }

    [Fact]
    public void Bucket_ids_differ_for_every_dimension_and_survive_separator_characters()
    {
        var start = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero);
        var ids = new[]
        {
            UsageBucket.IdFor(UsageGranularity.Hour, "UTC", start, "openai", "gpt|4", "u", "a", CallType.Chat),
            UsageBucket.IdFor(UsageGranularity.Hour, "UTC", start, "openai", "gpt", "4|u", "a", CallType.Chat),
            UsageBucket.IdFor(UsageGranularity.Day, "UTC", start, "openai", "gpt|4", "u", "a", CallType.Chat),
            UsageBucket.IdFor(UsageGranularity.Hour, "UTC", start, "openai", "gpt|4", "u", "a", CallType.Embedding),
            UsageBucket.IdFor(UsageGranularity.Hour, "UTC", start.AddHours(1), "openai", "gpt|4", "u", "a", CallType.Chat),
        };

        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("America/New_York")]
    [InlineData("Asia/Kathmandu")] // UTC+05:45
    [InlineData("Pacific/Chatham")] // UTC+12:45 / +13:45
    [InlineData("Australia/Lord_Howe")] // half-hour daylight saving
    public void A_batch_s_tallies_fill_the_same_buckets_with_the_same_figures_as_its_calls_one_by_one(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var random = new Random(11);
        var start = new DateTimeOffset(2026, 10, 31, 0, 0, 0, TimeSpan.Zero);
        var records = Enumerable.Range(0, 3_000)
            .Select(i => Record(
                latencyMs: Math.Round(random.NextDouble() * 500, 3),
                credits: random.Next(1000) * 0.000001m,
                prompt: random.Next(100),
                completion: random.Next(100),
                status: (CallStatus)random.Next(3),
                startedAt: start.AddSeconds(random.Next(3 * 86_400)).AddTicks(random.Next(10_000_000))) with
            {
                UserId = random.Next(4) == 0 ? null : $"u{random.Next(3)}",
                Model = random.Next(2) == 0 ? "echo" : "echo-2",
            })
            .ToList();

        var oneByOne = new Dictionary<string, UsageFigures>();
        foreach (var record in records)
        {
            var (hour, day) = UsageBucket.For(record, zone);
            Add(oneByOne, hour.Id, f => f.Add(record));
            Add(oneByOne, day.Id, f => f.Add(record));
        }

        var tallies = CallTally.Of(records);
        var tallied = new Dictionary<string, UsageFigures>();
        foreach (var tally in tallies)
        {
            var (hour, day) = UsageBucket.For(tally, zone);
            Add(tallied, hour.Id, f => f.Add(tally.Figures));
            Add(tallied, day.Id, f => f.Add(tally.Figures));
        }

        Assert.True(tallies.Count < records.Count);
        Assert.Equal(oneByOne.Keys.Order(), tallied.Keys.Order());
        foreach (var (id, expected) in oneByOne)
        {
            var actual = tallied[id];
            Assert.Equal(
                (expected.Calls, expected.Successes, expected.Failures, expected.Cancelled, expected.PromptTokens, expected.CompletionTokens, expected.Credits, expected.LatencyMaxMs),
                (actual.Calls, actual.Successes, actual.Failures, actual.Cancelled, actual.PromptTokens, actual.CompletionTokens, actual.Credits, actual.LatencyMaxMs));
            Assert.Equal(expected.LatencyBuckets, actual.LatencyBuckets);
            Assert.Equal(expected.LatencySumMs, actual.LatencySumMs, 6);
        }
    }

    private static void Add(Dictionary<string, UsageFigures> figures, string id, Action<UsageFigures> add)
    {
        if (!figures.TryGetValue(id, out var bucket))
        {
            bucket = new UsageFigures();
            figures[id] = bucket;
        }

        add(bucket);
    }

    internal static CallRecord Record(
        double latencyMs = 10,
        decimal? credits = null,
        int prompt = 1,
        int completion = 1,
        CallStatus status = CallStatus.Succeeded,
        DateTimeOffset? startedAt = null) => new()
        {
            Id = Guid.CreateVersion7(),
            RequestId = "req",
            Provider = "demo",
            Model = "echo",
            CallType = CallType.Chat,
            Streamed = false,
            PromptTokens = prompt,
            CompletionTokens = completion,
            LatencyMs = latencyMs,
            Status = status,
            ErrorKind = status == CallStatus.Succeeded ? ErrorKind.None : ErrorKind.UpstreamUnavailable,
            StartedAt = startedAt ?? new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero),
            CreditsCharged = credits,
        };
}

public sealed class CallIdTests
{
    [Fact]
    public void Call_ids_sort_like_start_times_within_a_millisecond()
    {
        var start = new DateTimeOffset(2026, 11, 23, 12, 0, 0, 0, TimeSpan.Zero);
        var ids = Enumerable.Range(0, 40).Select(i => CallIds.New(start.AddTicks(i * 250))).ToList();

        // PostgreSQL (and RFC 9562) order uuids by their big-endian bytes.
        var sorted = ids.OrderBy(id => Convert.ToHexString(id.ToByteArray(bigEndian: true)), StringComparer.Ordinal).ToList();

        Assert.Equal(ids, sorted);
        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.All(ids, id => Assert.Equal(start.ToUnixTimeMilliseconds(), Convert.ToInt64(Convert.ToHexString(id.ToByteArray(bigEndian: true))[..12], 16)));
    }
}
