using System.ComponentModel.DataAnnotations;

namespace AigneHub.Application.Usage;

/// <summary>"Analytics": where usage statistics are kept and in which zone their days are counted.</summary>
public sealed class AnalyticsOptions : IValidatableObject
{
    public const string Section = "Analytics";

    /// <summary>
    /// The IANA zone whose calendar days the daily statistics count ("UTC", "Europe/Berlin", "Asia/Shanghai").
    /// Hourly statistics are always UTC hours. Changing it starts new daily buckets for new calls; see docs/operations.md.
    /// </summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// "Solo": this instance may run the projection daemon that keeps the statistics: every such instance of a
    /// database takes part in an election (an advisory-lock lease), exactly one projects at a time and another takes
    /// over within <see cref="LeasePollSeconds"/> when it dies; "Disabled": it never does.
    /// </summary>
    public string Daemon { get; set; } = "Solo";

    /// <summary>How often a standby instance tries to take the statistics lease, and the leader checks it still holds it.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 30)]
    public int LeasePollSeconds { get; set; } = 5;

    /// <summary>How long an event may wait unprojected before readiness reports the statistics as stalled (Degraded).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 86_400)]
    public int StallSeconds { get; set; } = 60;

    public bool RunsDaemon => string.Equals(Daemon, "Solo", StringComparison.OrdinalIgnoreCase);

    public TimeZoneInfo Zone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.Equals(Daemon, "Solo", StringComparison.OrdinalIgnoreCase) && !string.Equals(Daemon, "Disabled", StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"Analytics:Daemon must be \"Solo\" or \"Disabled\", not \"{Daemon}\".", [nameof(Daemon)]);
        }

        if (!TryFindZone(TimeZone, out _))
        {
            yield return new ValidationResult($"Analytics:TimeZone \"{TimeZone}\" is not a known time zone (use an IANA id such as \"Europe/Berlin\").", [nameof(TimeZone)]);
        }
    }

    public static bool TryFindZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrWhiteSpace(id))
        {
            return false;
        }

        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return false;
        }
    }
}
