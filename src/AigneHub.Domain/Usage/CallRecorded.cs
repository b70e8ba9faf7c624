namespace AigneHub.Domain.Usage;

/// <summary>
/// One call's record as an event on a stream of its own (keyed "call-{id}"): what versions before ADR 0025 appended
/// for every call. No longer written (the recorder appends <see cref="CallsRecorded"/> per batch), but still read: the
/// usage statistics count the events of earlier versions already stored, each once.
/// </summary>
public sealed record CallRecorded(CallRecord Record)
{
    public static string StreamKey(Guid callId) => $"call-{callId:N}";
}
