using AigneHub.Domain.Budgets;

namespace AigneHub.UnitTests.Domain.Budgets;

public sealed class BudgetWindowsTests
{
    private static readonly DateTimeOffset Thursday = new(2026, 12, 10, 15, 42, 7, TimeSpan.FromHours(2));

    [Theory]
    [InlineData(BudgetPeriod.Minute, "2026-12-10T13:42:00Z", "2026-12-10T13:43:00Z")]
    [InlineData(BudgetPeriod.Hour, "2026-12-10T13:00:00Z", "2026-12-10T14:00:00Z")]
    [InlineData(BudgetPeriod.Day, "2026-12-10T00:00:00Z", "2026-12-11T00:00:00Z")]
    [InlineData(BudgetPeriod.Week, "2026-12-07T00:00:00Z", "2026-12-14T00:00:00Z")]
    [InlineData(BudgetPeriod.Month, "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    public void A_window_starts_and_ends_on_its_periods_utc_boundaries(BudgetPeriod period, string start, string end)
    {
        var windowStart = BudgetWindows.StartOf(period, Thursday);

        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), windowStart);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), BudgetWindows.EndOf(period, windowStart));
    }

    [Fact]
    public void A_budget_without_a_period_has_one_window_that_never_ends()
    {
        Assert.Equal(DateTimeOffset.UnixEpoch, BudgetWindows.StartOf(BudgetPeriod.None, Thursday));
        Assert.Null(BudgetWindows.EndOf(BudgetPeriod.None, DateTimeOffset.UnixEpoch));
    }
}
