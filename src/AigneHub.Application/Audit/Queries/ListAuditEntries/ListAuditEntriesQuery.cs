using AigneHub.Domain.Audit;

namespace AigneHub.Application.Audit.Queries.ListAuditEntries;

/// <summary>Audit entries, newest first, filtered by any of actor, target, kind and time range.</summary>
public sealed record ListAuditEntriesQuery(string? Actor, string? Target, string? Kind, DateTimeOffset? From, DateTimeOffset? To, int Limit)
    : IQuery<IReadOnlyList<AuditEntry>>;
