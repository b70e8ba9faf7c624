using AigneHub.Domain.Usage.Reports;
using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.UnitTests.Domain.Usage;

public sealed class ReportPeriodTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public void The_last_finished_day_is_yesterday_in_the_report_zone()
    {
        // 23:30 UTC on 23 November is already 24 November in Berlin (UTC+1).
        var now = new DateTimeOffset(2026, 11, 23, 23, 30, 0, TimeSpan.Zero);

        Assert.Equal(new DateOnly(2026, 11, 23), ReportPeriods.LastFinished(ReportKind.Daily, now, Berlin));
        Assert.Equal(new DateOnly(2026, 11, 22), ReportPeriods.LastFinished(ReportKind.Daily, now, TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData("2026-11-23T10:00:00Z", "2026-11-16")] // a Monday: last week is the one before
    [InlineData("2026-11-29T23:59:00Z", "2026-11-16")] // Sunday evening: this week has not ended yet
    [InlineData("2026-11-30T00:00:00Z", "2026-11-23")] // the next Monday: it has
    public void The_last_finished_week_runs_monday_to_monday(string now, string monday)
    {
        var last = ReportPeriods.LastFinished(ReportKind.Weekly, DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), TimeZoneInfo.Utc);

        Assert.Equal(DateOnly.Parse(monday, System.Globalization.CultureInfo.InvariantCulture), last);
        Assert.Equal(DayOfWeek.Monday, last.DayOfWeek);
    }

    [Fact]
    public void A_daily_report_on_the_day_clocks_go_back_covers_25_hours()
    {
        // Berlin leaves summer time on 25 October 2026.
        var (start, end) = ReportPeriods.Bounds(ReportKind.Daily, new DateOnly(2026, 10, 25), Berlin);

        Assert.Equal(new DateTimeOffset(2026, 10, 24, 22, 0, 0, TimeSpan.Zero), start);
        Assert.Equal(TimeSpan.FromHours(25), end - start);
        Assert.Equal(new DateOnly(2026, 10, 24), ReportPeriods.Previous(ReportKind.Daily, new DateOnly(2026, 10, 25)));
    }

    [Fact]
    public void Change_against_the_previous_period_is_a_percentage_and_absent_without_a_previous_period()
    {
        var now = Figures(calls: 15, credits: 3m);
        var before = Figures(calls: 10, credits: 4m);

        var comparison = ReportComparison.Between(now, before);
        var first = ReportComparison.Between(now, new UsageFigures());

        Assert.Equal((50d, -25d), (comparison.CallsChangePercent, comparison.CreditsChangePercent));
        Assert.Null(first.CallsChangePercent);
    }

    [Fact]
    public void Report_ids_say_kind_period_and_scope()
    {
        Assert.Equal("daily-2026-11-23-hub", UsageReport.IdFor(ReportKind.Daily, new DateOnly(2026, 11, 23), UsageReport.HubScope));
        Assert.Equal("weekly-2026-11-16-user-usr_1", UsageReport.IdFor(ReportKind.Weekly, new DateOnly(2026, 11, 16), "usr_1"));
    }

    private static UsageFigures Figures(long calls, decimal credits)
    {
        var figures = new UsageFigures();
        for (var i = 0; i < calls; i++)
        {
            figures.Add(UsageStatisticsTests.Record(credits: credits / calls));
        }

        return figures;
    }
}
