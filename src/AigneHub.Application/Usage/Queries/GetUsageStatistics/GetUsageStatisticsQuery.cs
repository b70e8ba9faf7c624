using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.Application.Usage.Queries.GetUsageStatistics;

/// <summary>What the statistics are broken down by (besides time).</summary>
public enum UsageGrouping
{
    None,
    Provider,
    Model,
    User,
    App,
    CallType,

    /// <summary>The team of the calling key ("" for calls of no team key).</summary>
    Team,
}

/// <summary>
/// Usage totals and a time series over the buckets of <paramref name="Granularity"/> that start in [From, To) (From
/// taken back to the start of its hour or reporting-zone day, so the bucket holding it counts),
/// broken down by <paramref name="GroupBy"/>; for <paramref name="UserId"/> only, or everyone (admins); for the calls of
/// <paramref name="TeamId"/>'s keys only when given (which its team admin may read whole).
/// </summary>
public sealed record GetUsageStatisticsQuery(
    DateTimeOffset From,
    DateTimeOffset To,
    UsageGranularity Granularity,
    UsageGrouping GroupBy,
    string? UserId,
    string? TeamId = null) : IQuery<UsageStatistics>
{
    /// <summary>Longest range for hourly series: 31 days (744 points per group).</summary>
    public static readonly TimeSpan MaxHourlyRange = TimeSpan.FromDays(31);

    /// <summary>Longest range for daily series: two years.</summary>
    public static readonly TimeSpan MaxDailyRange = TimeSpan.FromDays(732);
}

/// <summary>One group's figures over the whole range ("" is the group of calls without that dimension).</summary>
public sealed record UsageGroupTotal(string Group, UsageFigures Figures);

/// <summary>One bucket start's figures for one group.</summary>
public sealed record UsagePoint(DateTimeOffset Start, string Group, UsageFigures Figures);

/// <summary>The answer: totals, per-group totals, the series, and whether uncounted calls exist.</summary>
public sealed record UsageStatistics(
    DateTimeOffset From,
    DateTimeOffset To,
    UsageGranularity Granularity,
    UsageGrouping GroupBy,
    string Zone,
    UsageFigures Totals,
    IReadOnlyList<UsageGroupTotal> Groups,
    IReadOnlyList<UsagePoint> Series,
    bool Stale);
