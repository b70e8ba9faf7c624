using AigneHub.Application.Usage;
using AigneHub.Domain.Usage.Reports;

namespace AigneHub.Application.Usage.Reports.Queries.GetUsageReport;

internal sealed class GetUsageReportQueryHandler(IDocumentStore store, ICallerContext caller)
    : IQueryHandler<GetUsageReportQuery, UsageReport>
{
    public async ValueTask<UsageReport> Handle(GetUsageReportQuery query, CancellationToken cancellationToken)
    {
        var visibleUser = UsageVisibility.UserFilter(caller.Current, null);
        await using var session = store.QuerySession();
        var report = await session.LoadAsync<UsageReport>(query.Id, cancellationToken);

        // Someone else's report answers like a missing one: its existence is not the member's business either. A team's
        // report is its admin's too.
        if (report is null
            || (visibleUser is not null && report.Scope != visibleUser
                && !(UsageReport.TeamOfScope(report.Scope) is { } team && await UsageVisibility.ReadsTeamAsync(store, caller.Current!, team, cancellationToken))))
        {
            throw new ResourceNotFoundException("id", $"There is no report '{query.Id}' you can read.");
        }

        return report;
    }
}
