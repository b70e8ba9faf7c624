namespace AigneHub.Domain.Usage.Statistics;

/// <summary>
/// Latency percentiles from fixed, log-spaced buckets that merge by addition, so an hour, a day or any range of
/// aggregates yields its percentiles without keeping individual latencies. Bucket 0 holds latencies up to 1 ms; bucket
/// <c>i</c> holds (2^((i-1)/4), 2^(i/4)] ms; the last bucket holds everything above. A percentile is the upper bound of
/// the bucket holding its nearest rank (capped by the largest latency seen), so for the true nearest-rank value
/// <c>q</c> the answer <c>q̂</c> satisfies <c>q ≤ q̂ ≤ q × 2^(1/4)</c> (at most +19 %), and <c>q̂ ≤ 1 ms</c> when
/// <c>q ≤ 1 ms</c>.
/// </summary>
public static class LatencyHistogram
{
    /// <summary>Buckets per doubling of latency.</summary>
    public const int StepsPerDoubling = 4;

    /// <summary>Bucket count: the last bucket starts at 2^(94/4) ms ≈ 3.4 hours.</summary>
    public const int BucketCount = 96;

    public static int BucketOf(double latencyMs)
    {
        if (!(latencyMs > 1d))
        {
            return 0; // also NaN and negatives, which a clock step can produce
        }

        var index = (int)Math.Ceiling(StepsPerDoubling * Math.Log2(latencyMs) - 1e-9);
        return Math.Clamp(index, 0, BucketCount - 1);
    }

    public static double UpperBoundMs(int bucket) => Math.Pow(2d, (double)bucket / StepsPerDoubling);

    /// <summary>
    /// The <paramref name="percentile"/> (0–100) of the latencies counted in <paramref name="counts"/>, capped at
    /// <paramref name="maxMs"/>; null when nothing was counted.
    /// </summary>
    public static double? Percentile(IReadOnlyList<long> counts, double percentile, double maxMs)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0d);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100d);

        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        // Nearest rank: the smallest value with at least p% of the observations at or below it.
        var rank = Math.Max(1L, (long)Math.Ceiling(percentile / 100d * total));
        long seen = 0;
        for (var bucket = 0; bucket < counts.Count; bucket++)
        {
            seen += counts[bucket];
            if (seen >= rank)
            {
                return Math.Min(UpperBoundMs(bucket), maxMs);
            }
        }

        return maxMs;
    }

    /// <summary>Adds <paramref name="source"/>'s counts to <paramref name="target"/>, growing it as needed.</summary>
    public static void MergeInto(List<long> target, IReadOnlyList<long> source)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(source);
        for (var i = 0; i < source.Count; i++)
        {
            if (i == target.Count)
            {
                target.Add(0);
            }

            target[i] += source[i];
        }
    }

    /// <summary>Counts one latency in <paramref name="counts"/> (kept only as long as its highest used bucket).</summary>
    public static void Count(List<long> counts, double latencyMs)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var bucket = BucketOf(latencyMs);
        while (counts.Count <= bucket)
        {
            counts.Add(0);
        }

        counts[bucket]++;
    }
}
