namespace AigneHub.Domain.Usage.Statistics;

/// <summary>
/// What a set of calls did and cost: the sums one statistics bucket keeps, and what a query adds up over buckets.
/// Credits and dollars are exact decimal sums of the call records' amounts (no rounding happens here).
/// </summary>
public sealed class UsageFigures
{
    public long Calls { get; set; }

    public long Successes { get; set; }

    public long Failures { get; set; }

    public long Cancelled { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public long CachedTokens { get; set; }

    public long Images { get; set; }

    public decimal Credits { get; set; }

    public decimal CostUsd { get; set; }

    /// <summary>Calls answered from the response cache.</summary>
    public long CacheHits { get; set; }

    /// <summary>Calls that looked in the response cache and went to the provider.</summary>
    public long CacheMisses { get; set; }

    /// <summary>Credits the cache hits did not charge (their originals' cost less what the hits were charged).</summary>
    public decimal CacheSavedCredits { get; set; }

    /// <summary>US dollars no provider was paid because the cache answered.</summary>
    public decimal CacheSavedUsd { get; set; }

    public double LatencySumMs { get; set; }

    public double LatencyMaxMs { get; set; }

    /// <summary>Counts per <see cref="LatencyHistogram"/> bucket, trimmed after the highest used bucket.</summary>
    public List<long> LatencyBuckets { get; set; } = [];

    public long TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>Hits over the calls that looked in the cache (hits and misses); null when none did.</summary>
    public double? CacheHitRate => CacheHits + CacheMisses == 0 ? null : (double)CacheHits / (CacheHits + CacheMisses);

    public double? LatencyAvgMs => Calls == 0 ? null : LatencySumMs / Calls;

    public double? LatencyP50Ms => LatencyHistogram.Percentile(LatencyBuckets, 50, LatencyMaxMs);

    public double? LatencyP95Ms => LatencyHistogram.Percentile(LatencyBuckets, 95, LatencyMaxMs);

    public void Add(CallRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Calls++;
        switch (record.Status)
        {
            case CallStatus.Succeeded:
                Successes++;
                break;
            case CallStatus.Failed:
                Failures++;
                break;
            default:
                Cancelled++;
                break;
        }

        PromptTokens += record.PromptTokens;
        CompletionTokens += record.CompletionTokens;
        CachedTokens += record.CachedTokens;
        Images += record.Images;
        Credits += record.CreditsCharged ?? 0m;
        CostUsd += record.CostUsd ?? 0m;
        CacheHits += record.Cache == CacheOutcome.Hit ? 1 : 0;
        CacheMisses += record.Cache == CacheOutcome.Miss ? 1 : 0;
        CacheSavedCredits += record.CacheSavedCredits ?? 0m;
        CacheSavedUsd += record.CacheSavedUsd ?? 0m;
        var latency = Math.Max(0d, record.LatencyMs);
        LatencySumMs += latency;
        LatencyMaxMs = Math.Max(LatencyMaxMs, latency);
        LatencyHistogram.Count(LatencyBuckets, latency);
    }

    public void Add(UsageFigures other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Calls += other.Calls;
        Successes += other.Successes;
        Failures += other.Failures;
        Cancelled += other.Cancelled;
        PromptTokens += other.PromptTokens;
        CompletionTokens += other.CompletionTokens;
        CachedTokens += other.CachedTokens;
        Images += other.Images;
        Credits += other.Credits;
        CostUsd += other.CostUsd;
        CacheHits += other.CacheHits;
        CacheMisses += other.CacheMisses;
        CacheSavedCredits += other.CacheSavedCredits;
        CacheSavedUsd += other.CacheSavedUsd;
        LatencySumMs += other.LatencySumMs;
        LatencyMaxMs = Math.Max(LatencyMaxMs, other.LatencyMaxMs);
        LatencyHistogram.MergeInto(LatencyBuckets, other.LatencyBuckets);
    }
}
