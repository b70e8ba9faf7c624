using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.Domain.Usage;

/// <summary>
/// A batch of call records was written: appended as one event on a stream of its own (keyed "calls-{first call's
/// id}") in the same transaction as the batch's call record documents, carrying what the usage statistics need of
/// those calls, added up per minute and dimension tuple (<see cref="CallTally"/>), so the statistics count exactly the
/// calls the history shows. One small event per batch rather than a copy of every record (ADR 0025). The stream key
/// doubles as the batch's idempotency key: a writer that does not know whether its commit landed finds the stream and
/// does not write the batch again.
/// </summary>
public sealed record CallsRecorded(IReadOnlyList<CallTally> Tallies)
{
    public static string StreamKey(Guid firstCallId) => $"calls-{firstCallId:N}";

    public static CallsRecorded Of(IEnumerable<CallRecord> records) => new(CallTally.Of(records));
}
