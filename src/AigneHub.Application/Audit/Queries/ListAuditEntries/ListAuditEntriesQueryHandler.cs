using AigneHub.Domain.Audit;

namespace AigneHub.Application.Audit.Queries.ListAuditEntries;

internal sealed class ListAuditEntriesQueryHandler(IDocumentStore store) : IQueryHandler<ListAuditEntriesQuery, IReadOnlyList<AuditEntry>>
{
    public async ValueTask<IReadOnlyList<AuditEntry>> Handle(ListAuditEntriesQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        IQueryable<AuditEntry> entries = session.Query<AuditEntry>();
        if (query.Actor is { } actor)
        {
            // An actor is "<user id>" or "<user id> (key <key id>)": a user id finds both.
            entries = entries.Where(e => e.Actor == actor || e.Actor.StartsWith(actor + " ("));
        }

        if (query.Target is { } target)
        {
            entries = entries.Where(e => e.Target == target);
        }

        if (query.Kind is { } kind)
        {
            entries = entries.Where(e => e.Kind == kind);
        }

        if (query.From is { } from)
        {
            entries = entries.Where(e => e.At >= from);
        }

        if (query.To is { } to)
        {
            entries = entries.Where(e => e.At < to);
        }

        return await entries.OrderByDescending(e => e.At).Take(query.Limit).ToListAsync(cancellationToken);
    }
}
