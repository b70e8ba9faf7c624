namespace AigneHub.Domain.Usage;

/// <summary>
/// A call's record, appended as an event (one stream per call, keyed "call-{id}") in the same transaction as the
/// call record document, so asynchronous projections (usage statistics) see exactly the calls the history shows.
/// </summary>
public sealed record CallRecorded(CallRecord Record)
{
    public static string StreamKey(Guid callId) => $"call-{callId:N}";
}
