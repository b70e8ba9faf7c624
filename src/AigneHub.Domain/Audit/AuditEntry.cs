using AigneHub.Domain.Audit.Events;

namespace AigneHub.Domain.Audit;

/// <summary>An audit entry as its one-event stream says: the read model of the audit query API.</summary>
public sealed class AuditEntry
{
    public string Id { get; set; } = string.Empty;

    public string Actor { get; private set; } = string.Empty;

    public string Kind { get; private set; } = string.Empty;

    public string Target { get; private set; } = string.Empty;

    public string? Before { get; private set; }

    public string? After { get; private set; }

    public string Outcome { get; private set; } = string.Empty;

    public string? Address { get; private set; }

    public string? CorrelationId { get; private set; }

    public DateTimeOffset At { get; private set; }

    /// <summary>How many times it happened (refusals are counted per kind, address, reason and minute); at least 1.</summary>
    public int Count { get; private set; } = 1;

    public static AuditEntry Create(AuditEntryRecorded e) => new()
    {
        Id = e.EntryId.ToString(),
        Actor = e.Actor,
        Kind = e.Kind,
        Target = e.Target,
        Before = e.Before,
        After = e.After,
        Outcome = e.Outcome,
        Address = e.Address,
        CorrelationId = e.CorrelationId,
        At = e.At,
        Count = Math.Max(1, e.Count),
    };
}
