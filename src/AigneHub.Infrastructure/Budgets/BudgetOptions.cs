namespace AigneHub.Infrastructure.Budgets;

/// <summary>Spend budgets (<c>Budgets</c>): how often each instance reads them again, and where soft-threshold notices go.</summary>
public sealed class BudgetOptions : IValidatableObject
{
    public const string Section = "Budgets";

    /// <summary>How often an instance reads the budgets again, so a change made on another instance applies here.</summary>
    [Range(100, 600_000)]
    public int RefreshMs { get; set; } = 5_000;

    /// <summary>
    /// How long a call's reservation stays counted without its instance renewing it (every third of this while the call
    /// runs); once lapsed, the recovery job gives it back.
    /// </summary>
    [Range(30, 3_600)]
    public int ReservationLeaseSeconds { get; set; } = 120;

    /// <summary>When the recovery job looks for lapsed reservations (cron, UTC); a schedule setting, applied by instances that manage the schedule.</summary>
    [Required]
    public string ReservationRecoveryCron { get; set; } = "* * * * *";

    public TimeSpan ReservationLease => TimeSpan.FromSeconds(ReservationLeaseSeconds);

    /// <summary>Optional: each soft-threshold notice is POSTed here as JSON (retried by Hangfire until accepted).</summary>
    public Uri? WebhookUrl { get; set; }

    /// <summary>Optional: signs webhook deliveries as the report webhook does (X-AigneHub-Signature).</summary>
    public string? WebhookSecret { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (WebhookUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
        {
            yield return new ValidationResult("Budgets:WebhookUrl must be an absolute http(s) URL.", [nameof(WebhookUrl)]);
        }
    }
}

/// <summary>A budget's window reached its soft threshold: what the audit entry and the webhook carry.</summary>
public sealed record BudgetAlert(string BudgetId, DateTimeOffset WindowStart, decimal LimitUsd, decimal SoftLimitUsd, decimal SpentUsd, DateTimeOffset? ResetsAt);
