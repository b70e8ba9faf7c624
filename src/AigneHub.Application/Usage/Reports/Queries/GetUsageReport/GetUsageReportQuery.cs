using AigneHub.Domain.Usage.Reports;

namespace AigneHub.Application.Usage.Reports.Queries.GetUsageReport;

/// <summary>One stored report; a member may read only their own user reports.</summary>
public sealed record GetUsageReportQuery(string Id) : IQuery<UsageReport>;
