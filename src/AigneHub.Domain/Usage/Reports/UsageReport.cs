using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.Domain.Usage.Reports;

/// <summary>How long a report's period is.</summary>
public enum ReportKind
{
    /// <summary>One calendar day in the report zone.</summary>
    Daily,

    /// <summary>Monday to Monday in the report zone.</summary>
    Weekly,
}

/// <summary>
/// A usage report for one period: for the whole hub (<see cref="HubScope"/>), one team (<see cref="TeamScope"/>) or one
/// user. Stored under a key made of kind, period and scope, so generating the same period again replaces it.
/// </summary>
public sealed class UsageReport
{
    public const string HubScope = "hub";

    public string Id { get; set; } = "";

    public ReportKind Kind { get; set; }

    /// <summary><see cref="HubScope"/>, a team's scope (<see cref="TeamScope"/>) or the user's id.</summary>
    public string Scope { get; set; } = HubScope;

    public string Zone { get; set; } = "UTC";

    /// <summary>The period's first local day.</summary>
    public DateOnly Period { get; set; }

    /// <summary>The period as instants: [Start, End).</summary>
    public DateTimeOffset Start { get; set; }

    public DateTimeOffset End { get; set; }

    public DateTimeOffset GeneratedAt { get; set; }

    public UsageFigures Totals { get; set; } = new();

    /// <summary>Failures over calls (0 without calls).</summary>
    public double ErrorRate { get; set; }

    public Dictionary<string, long> ErrorsByKind { get; set; } = [];

    public List<ReportLine> ByModel { get; set; } = [];

    public List<ReportLine> ByProvider { get; set; } = [];

    /// <summary>The hub report's heaviest users by credits, then calls; empty in a user's report.</summary>
    public List<ReportLine> TopUsers { get; set; } = [];

    /// <summary>The hub report's teams (every team whose keys made calls in the period) by cost, then calls; empty in the others.</summary>
    public List<ReportLine> ByTeam { get; set; } = [];

    /// <summary>The period before (the previous day or week) and the change against it.</summary>
    public ReportComparison Previous { get; set; } = new();

    /// <summary>The scope of a team's report: "team:" and the team's id (a user id never has that form: <see cref="IsSharedScope"/>).</summary>
    public static string TeamScope(string teamId) => TeamScopePrefix + teamId;

    /// <summary>The team whose report <paramref name="scope"/> is the scope of; null for the hub's or a user's.</summary>
    public static string? TeamOfScope(string scope) =>
        scope.StartsWith(TeamScopePrefix, StringComparison.Ordinal) ? scope[TeamScopePrefix.Length..] : null;

    /// <summary>
    /// Whether <paramref name="userId"/> would name the hub's report or a team's, not a user's: a user's reports are
    /// stored and read under the user's id as their scope, so no user may have such an id.
    /// </summary>
    public static bool IsSharedScope(string userId) => userId == HubScope || TeamOfScope(userId) is not null;

    public static string IdFor(ReportKind kind, DateOnly period, string scope) =>
        $"{(kind == ReportKind.Daily ? "daily" : "weekly")}-{period:yyyy-MM-dd}-{ScopePart(scope)}";

    private const string TeamScopePrefix = "team:";

    private static string ScopePart(string scope) => scope switch
    {
        HubScope => HubScope,
        _ when scope.StartsWith(TeamScopePrefix, StringComparison.Ordinal) => "team-" + scope[TeamScopePrefix.Length..],
        _ => "user-" + scope,
    };
}

/// <summary>One row of a breakdown: a model, a provider, a user or a team, and its figures.</summary>
public sealed class ReportLine
{
    public string Provider { get; set; } = "";

    public string Model { get; set; } = "";

    public string UserId { get; set; } = "";

    public string TeamId { get; set; } = "";

    public UsageFigures Figures { get; set; } = new();
}

/// <summary>The previous period's totals and the relative change (null when the previous period had none).</summary>
public sealed class ReportComparison
{
    public long Calls { get; set; }

    public long TotalTokens { get; set; }

    public decimal Credits { get; set; }

    public decimal CostUsd { get; set; }

    public double? CallsChangePercent { get; set; }

    public double? TokensChangePercent { get; set; }

    public double? CreditsChangePercent { get; set; }

    public double? CostChangePercent { get; set; }

    public static ReportComparison Between(UsageFigures current, UsageFigures previous)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(previous);
        return new ReportComparison
        {
            Calls = previous.Calls,
            TotalTokens = previous.TotalTokens,
            Credits = previous.Credits,
            CostUsd = previous.CostUsd,
            CallsChangePercent = Change(current.Calls, previous.Calls),
            TokensChangePercent = Change(current.TotalTokens, previous.TotalTokens),
            CreditsChangePercent = Change(current.Credits, previous.Credits),
            CostChangePercent = Change(current.CostUsd, previous.CostUsd),
        };
    }

    private static double? Change(decimal current, decimal previous) =>
        previous == 0 ? null : Math.Round((double)((current - previous) / previous * 100m), 2);
}

/// <summary>Report periods in a zone: local days and Monday-started weeks, as instants.</summary>
public static class ReportPeriods
{
    /// <summary>[start, end) of the period that begins on <paramref name="period"/> (a Monday for weekly reports).</summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Bounds(ReportKind kind, DateOnly period, TimeZoneInfo zone) =>
        (UsageBucket.LocalMidnight(period, zone), UsageBucket.LocalMidnight(period.AddDays(kind == ReportKind.Daily ? 1 : 7), zone));

    /// <summary>The first day of the period before <paramref name="period"/>.</summary>
    public static DateOnly Previous(ReportKind kind, DateOnly period) => period.AddDays(kind == ReportKind.Daily ? -1 : -7);

    /// <summary>The last period that ended at or before <paramref name="now"/>: yesterday, or last week (Monday).</summary>
    public static DateOnly LastFinished(ReportKind kind, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).Date);
        if (kind == ReportKind.Daily)
        {
            return today.AddDays(-1);
        }

        var daysSinceMonday = ((int)today.DayOfWeek + 6) % 7;
        return today.AddDays(-daysSinceMonday - 7);
    }
}
