using AigneHub.Domain.Usage.Reports;

namespace AigneHub.Application.Usage.Reports.Queries.ListUsageReports;

/// <summary>
/// Stored reports, newest period first: of one kind and scope ("hub" or a user id) when given, with periods from
/// <paramref name="From"/> to <paramref name="To"/> (inclusive days). Members see their own user reports only, and the
/// reports of a team they are the admin of (scope "team:" and its id).
/// </summary>
public sealed record ListUsageReportsQuery(ReportKind? Kind, string? Scope, DateOnly? From, DateOnly? To, int Limit) : IQuery<IReadOnlyList<UsageReport>>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
}
