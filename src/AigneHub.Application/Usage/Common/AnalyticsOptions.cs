using System.ComponentModel.DataAnnotations;

namespace AigneHub.Application.Usage.Common;

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
    /// "Solo": this instance runs the projection daemon that keeps the statistics (exactly one instance per database
    /// should); "Disabled": it does not (other instances of a multi-instance deployment).
    /// </summary>
    public string Daemon { get; set; } = "Solo";

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
