namespace AigneHub.Domain.Budgets;

/// <summary>How often a spend budget starts again from zero; <see cref="None"/> never does.</summary>
public enum BudgetPeriod
{
    None,
    Minute,
    Hour,
    Day,
    Week,
    Month,
}

/// <summary>
/// The windows a budget's spend is counted in: each starts on a period boundary in UTC (a week on Monday 00:00, a month
/// on its first day), so every instance computes the same window for the same moment and a window's counter, keyed by
/// its start, begins at zero exactly once however many instances use it.
/// </summary>
public static class BudgetWindows
{
    /// <summary>The start of the window <paramref name="at"/> falls in; for <see cref="BudgetPeriod.None"/>, the Unix epoch.</summary>
    public static DateTimeOffset StartOf(BudgetPeriod period, DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return period switch
        {
            BudgetPeriod.Minute => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero),
            BudgetPeriod.Hour => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero),
            BudgetPeriod.Day => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero),
            BudgetPeriod.Week => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero).AddDays(-(((int)utc.DayOfWeek + 6) % 7)),
            BudgetPeriod.Month => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => DateTimeOffset.UnixEpoch,
        };
    }

    /// <summary>When the window that starts at <paramref name="start"/> ends (the budget resets); null for a budget that never resets.</summary>
    public static DateTimeOffset? EndOf(BudgetPeriod period, DateTimeOffset start) => period switch
    {
        BudgetPeriod.Minute => start.AddMinutes(1),
        BudgetPeriod.Hour => start.AddHours(1),
        BudgetPeriod.Day => start.AddDays(1),
        BudgetPeriod.Week => start.AddDays(7),
        BudgetPeriod.Month => start.AddMonths(1),
        _ => null,
    };
}
