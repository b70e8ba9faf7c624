namespace AigneHub.Application.Abstractions;

/// <summary>
/// Accepts call records off the hot path: <see cref="Record"/> never blocks on the database; records are written in
/// batches and every accepted record is written before the hub stops.
/// </summary>
public interface ICallRecorder
{
    void Record(CallRecord record);
}

/// <summary>Reads call records back.</summary>
public interface ICallRecordReader
{
    Task<IReadOnlyList<CallRecord>> ListRecentAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> records matching <paramref name="filter"/>, newest first, that come after the
    /// record <paramref name="after"/> (older than it) when given.
    /// </summary>
    Task<IReadOnlyList<CallRecord>> ListAsync(Usage.CallFilter filter, Guid? after, int limit, CancellationToken cancellationToken);
}

/// <summary>Reads the usage statistics buckets the asynchronous projection keeps.</summary>
public interface IUsageStatisticsReader
{
    /// <summary>The buckets of <paramref name="granularity"/> (and zone) that start in [from, to), optionally one user's only.</summary>
    IAsyncEnumerable<Domain.Usage.Statistics.UsageBucket> ReadAsync(
        Domain.Usage.Statistics.UsageGranularity granularity, string zone, DateTimeOffset from, DateTimeOffset to, string? userId, CancellationToken cancellationToken);

    /// <summary>How far the statistics are: the last event the projection counted and the newest event stored.</summary>
    Task<StatisticsProgress> ProgressAsync(CancellationToken cancellationToken);
}

/// <summary>The statistics projection's position against the event store's newest event.</summary>
public sealed record StatisticsProgress(long Processed, long Latest)
{
    /// <summary>True while stored events have not been counted yet.</summary>
    public bool Stale => Processed < Latest;
}
