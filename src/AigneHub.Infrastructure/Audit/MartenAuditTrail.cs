using AigneHub.Application.Audit;
using AigneHub.Domain.Audit;
using AigneHub.Domain.Audit.Events;
using Marten.Events.Aggregation;

namespace AigneHub.Infrastructure.Audit;

/// <summary>
/// Appends each entry as a one-event stream of its own (no contention between writers), in the same database as the
/// changes it records. The actor is the authenticated caller ("system" for the hub itself).
/// </summary>
internal sealed partial class MartenAuditTrail(
    IDocumentStore store,
    ICallerContext callers,
    IRequestOrigin origin,
    TimeProvider time,
    ILogger<MartenAuditTrail> logger) : IAuditTrail
{
    public Task RecordAsync(string kind, string target, string? before, string? after, string outcome, CancellationToken cancellationToken) =>
        AppendAsync(
            [new AuditEntryRecorded(Guid.CreateVersion7(), callers.Current?.Actor ?? "system", kind, target, before, after, outcome, origin.Address, origin.CorrelationId, time.GetUtcNow())],
            cancellationToken);

    /// <summary>Appends entries as they are (one stream each), in one transaction; a failure is logged, never thrown.</summary>
    internal async Task AppendAsync(IReadOnlyList<AuditEntryRecorded> entries, CancellationToken cancellationToken)
    {
        try
        {
            await using var session = store.LightweightSession();
            foreach (var entry in entries)
            {
                session.Events.StartStream<AuditEntry>(entry.EntryId.ToString(), entry);
            }

            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The change itself is done and cannot be undone here; say loudly that its record is missing.
            foreach (var entry in entries)
            {
                LogNotRecorded(logger, ex, entry.Kind, entry.Target);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write the audit entry for {Kind} on {Target}")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string kind, string target);
}

/// <summary>The audit stream's projection: each entry becomes a queryable document.</summary>
public sealed partial class AuditEntryProjection : SingleStreamProjection<AuditEntry, string>
{
    public static AuditEntry Create(AuditEntryRecorded e) => AuditEntry.Create(e);
}
