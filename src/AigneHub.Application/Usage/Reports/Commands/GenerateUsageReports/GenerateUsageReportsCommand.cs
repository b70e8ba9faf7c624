using AigneHub.Domain.Usage.Reports;

namespace AigneHub.Application.Usage.Reports.Commands.GenerateUsageReports;

/// <summary>
/// Generates the hub report and every active user's report for one period (the last finished one when
/// <paramref name="Period"/> is null), replacing reports of that period generated before.
/// </summary>
public sealed record GenerateUsageReportsCommand(ReportKind Kind, DateOnly? Period = null) : ICommand<GeneratedReports>;

/// <summary>What a generation run produced.</summary>
public sealed record GeneratedReports(ReportKind Kind, DateOnly Period, DateTimeOffset Start, DateTimeOffset End, int Reports, long Calls, string HubReportId);
