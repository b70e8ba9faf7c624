using System.ComponentModel.DataAnnotations;
using AigneHub.Application.Usage;

namespace AigneHub.Application.Usage.Reports;

/// <summary>"Reports": when usage reports are generated, in which zone, and where they are delivered.</summary>
public sealed class ReportsOptions : IValidatableObject
{
    public const string Section = "Reports";

    /// <summary>Off: this instance does not run the report jobs (their definitions are the cluster's and stay; reports can still be generated through the admin API).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>IANA zone whose days and weeks the reports cover, and in which the cron expressions run.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>When the daily reports (of the day before) are generated: a cron expression in <see cref="TimeZone"/>.</summary>
    [Required]
    public string DailyCron { get; set; } = "15 0 * * *";

    /// <summary>When the weekly reports (of the week before, Monday to Monday) are generated.</summary>
    [Required]
    public string WeeklyCron { get; set; } = "30 0 * * 1";

    /// <summary>How many users the hub report lists as top users.</summary>
    [Range(1, 1000)]
    public int TopUsers { get; set; } = 10;

    /// <summary>Optional: every generated hub report is POSTed here as JSON (retried until it is accepted).</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Optional: signs webhook deliveries (HMAC-SHA256 over "timestamp.body" in X-AigneHub-Signature).</summary>
    public string? WebhookSecret { get; set; }

    public TimeZoneInfo Zone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!AnalyticsOptions.TryFindZone(TimeZone, out _))
        {
            yield return new ValidationResult($"Reports:TimeZone \"{TimeZone}\" is not a known time zone (use an IANA id such as \"Europe/Berlin\").", [nameof(TimeZone)]);
        }

        if (WebhookUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("Reports:WebhookUrl must be an absolute http(s) URL.", [nameof(WebhookUrl)]);
        }
    }
}
