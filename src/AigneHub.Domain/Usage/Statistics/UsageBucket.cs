namespace AigneHub.Domain.Usage.Statistics;

/// <summary>How long a statistics bucket is.</summary>
public enum UsageGranularity
{
    /// <summary>A UTC hour.</summary>
    Hour,

    /// <summary>A calendar day in the hub's reporting zone (23 or 25 hours on daylight-saving changes).</summary>
    Day,
}

/// <summary>
/// One statistics aggregate: the calls that started in one hour (UTC) or one day (reporting zone) for one provider,
/// model, user, app and call type. Maintained by the asynchronous usage-statistics projection from
/// <see cref="CallsRecorded"/> events (and the <see cref="CallRecorded"/> events of earlier versions); queries add
/// buckets up.
/// </summary>
public sealed class UsageBucket
{
    public string Id { get; set; } = "";

    public UsageGranularity Granularity { get; set; }

    /// <summary>The zone that defines the bucket's day ("UTC" for hours).</summary>
    public string Zone { get; set; } = "UTC";

    /// <summary>The instant the bucket starts (UTC): the hour, or the zone's local midnight.</summary>
    public DateTimeOffset Start { get; set; }

    public string Provider { get; set; } = "";

    public string Model { get; set; } = "";

    /// <summary>The user, or "" for calls nobody was authenticated for.</summary>
    public string UserId { get; set; } = "";

    /// <summary>The app, or "" when unknown.</summary>
    public string AppId { get; set; } = "";

    public CallType CallType { get; set; }

    /// <summary>The team of the calling key, or "" for calls of no team key.</summary>
    public string TeamId { get; set; } = "";

    public UsageFigures Figures { get; set; } = new();

    /// <summary>The buckets a call record belongs to: its UTC hour and its day in <paramref name="zone"/>.</summary>
    public static (UsageBucket Hour, UsageBucket Day) For(CallRecord record, TimeZoneInfo zone) => For(CallTally.Empty(record), zone);

    /// <summary>The buckets a tally's calls belong to: the UTC hour and the day in <paramref name="zone"/> of its minute.</summary>
    public static (UsageBucket Hour, UsageBucket Day) For(CallTally tally, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(tally);
        ArgumentNullException.ThrowIfNull(zone);
        var hourStart = HourStart(tally.Minute);
        var dayStart = DayStart(tally.Minute, zone);
        return (New(tally, UsageGranularity.Hour, "UTC", hourStart), New(tally, UsageGranularity.Day, zone.Id, dayStart));
    }

    public static DateTimeOffset HourStart(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The UTC instant of local midnight of the day <paramref name="at"/> falls on in <paramref name="zone"/>.</summary>
    public static DateTimeOffset DayStart(DateTimeOffset at, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var localDate = TimeZoneInfo.ConvertTime(at, zone).Date;
        return LocalMidnight(DateOnly.FromDateTime(localDate), zone);
    }

    /// <summary>
    /// The UTC instant a local calendar day starts in <paramref name="zone"/>. Where a clock change skips midnight
    /// (some zones change at 00:00), the day starts at the first local time that exists.
    /// </summary>
    public static DateTimeOffset LocalMidnight(DateOnly day, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        var offset = zone.IsAmbiguousTime(local)
            ? zone.GetAmbiguousTimeOffsets(local).Max() // the earlier instant of a repeated midnight
            : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    /// <summary>The document id: granularity, zone, start and the dimensions (the team only when there is one, so buckets written before teams keep their ids).</summary>
    public static string IdFor(UsageGranularity granularity, string zone, DateTimeOffset start, string provider, string model, string userId, string appId, CallType callType, string teamId = "")
    {
        var id = string.Join('|', granularity == UsageGranularity.Hour ? "h" : "d", Escape(zone), start.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Escape(provider), Escape(model), Escape(userId), Escape(appId), callType.ToString());
        return teamId.Length == 0 ? id : $"{id}|{Escape(teamId)}";
    }

    private static UsageBucket New(CallTally tally, UsageGranularity granularity, string zone, DateTimeOffset start) => new()
    {
        Id = IdFor(granularity, zone, start, tally.Provider, tally.Model, tally.UserId, tally.AppId, tally.CallType, tally.TeamId),
        Granularity = granularity,
        Zone = zone,
        Start = start,
        Provider = tally.Provider,
        Model = tally.Model,
        UserId = tally.UserId,
        AppId = tally.AppId,
        CallType = tally.CallType,
        TeamId = tally.TeamId,
    };

    private static string Escape(string part) => part.Replace("%", "%25", StringComparison.Ordinal).Replace("|", "%7C", StringComparison.Ordinal);
}
