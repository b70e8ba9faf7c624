using AigneHub.Domain.Usage;

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
}
