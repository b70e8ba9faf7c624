using AigneHub.Api.Rest.Usage;
using AigneHub.Domain.Usage.Reports;
using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.UnitTests.Api.Usage;

public sealed class ReportFilesTests
{
    [Fact]
    public void The_csv_of_a_hub_report_has_a_team_row_per_team_with_the_team_in_the_last_column_and_every_row_as_wide_as_the_header()
    {
        var report = new UsageReport
        {
            Id = "daily-2026-11-23-hub",
            Totals = new UsageFigures { Calls = 3, CostUsd = 0.34m },
            ByTeam =
            [
                new ReportLine { TeamId = "blue", Figures = new UsageFigures { Calls = 1, CostUsd = 0.3m } },
                new ReportLine { TeamId = "red", Figures = new UsageFigures { Calls = 2, CostUsd = 0.04m } },
            ],
            TopUsers = [new ReportLine { UserId = "alice", Figures = new UsageFigures { Calls = 2 } }],
            ErrorsByKind = new() { ["upstream_timeout"] = 1 },
        };

        var lines = ReportFiles.Csv(report).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.EndsWith(",team_id", lines[0], StringComparison.Ordinal);
        Assert.Equal(
            ["team,,,,1,0,0,0,0,0,0,0,0,0,0.3,,,blue", "team,,,,2,0,0,0,0,0,0,0,0,0,0.04,,,red"],
            lines.Where(l => l.StartsWith("team,", StringComparison.Ordinal)));
        Assert.EndsWith(",alice,2,0,0,0,0,0,0,0,0,0,0,,,", lines.Single(l => l.StartsWith("top_user,", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.All(lines, line => Assert.Equal(lines[0].Count(c => c == ','), line.Count(c => c == ',')));
    }
}
