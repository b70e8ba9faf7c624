namespace AigneHub.Domain.Usage;

public enum CallStatus
{
    Succeeded,
    Failed,

    /// <summary>The client went away (or cancelled) before the answer was complete.</summary>
    Cancelled,
}
