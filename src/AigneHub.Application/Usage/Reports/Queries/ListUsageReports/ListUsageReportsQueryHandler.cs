using AigneHub.Application.Usage;
using AigneHub.Domain.Usage.Reports;

namespace AigneHub.Application.Usage.Reports.Queries.ListUsageReports;

internal sealed class ListUsageReportsQueryHandler(IDocumentStore store, ICallerContext caller)
    : IQueryHandler<ListUsageReportsQuery, IReadOnlyList<UsageReport>>
{
    public async ValueTask<IReadOnlyList<UsageReport>> Handle(ListUsageReportsQuery query, CancellationToken cancellationToken)
    {
        // A member's scope is always their own user (asking for the hub's or another user's is refused) or a team they
        // are the admin of; an admin may ask for any scope, or all.
        var scope = query.Scope is not null && UsageReport.TeamOfScope(query.Scope) is { } team && caller.Current is { } current
            && await UsageVisibility.ReadsTeamAsync(store, current, team, cancellationToken)
            ? query.Scope
            : UsageVisibility.UserFilter(caller.Current, query.Scope);

        await using var session = store.QuerySession();
        var reports = session.Query<UsageReport>().AsQueryable();
        if (scope is not null)
        {
            reports = reports.Where(r => r.Scope == scope);
        }

        if (query.Kind is { } kind)
        {
            reports = reports.Where(r => r.Kind == kind);
        }

        if (query.From is { } from)
        {
            reports = reports.Where(r => r.Period >= from);
        }

        if (query.To is { } to)
        {
            reports = reports.Where(r => r.Period <= to);
        }

        return await reports.OrderByDescending(r => r.Period).ThenBy(r => r.Id).Take(query.Limit).ToListAsync(cancellationToken);
    }
}
