namespace AigneHub.Infrastructure.Billing;

/// <summary>The billing jobs' schedule (section "Billing:Jobs"); cron expressions in UTC.</summary>
public sealed class BillingJobsOptions
{
    public const string Section = "Billing:Jobs";

    /// <summary>Off: this instance does not run the billing jobs (their definitions are the cluster's and stay).</summary>
    public bool Enabled { get; set; } = true;

    [Required]
    public string GrantExpiryCron { get; set; } = "* * * * *";

    [Required]
    public string HoldRecoveryCron { get; set; } = "*/5 * * * *";

    /// <summary>Whether the rate sync runs on its schedule (it reads <see cref="RateCatalogueOptions"/>).</summary>
    public bool RateSyncEnabled { get; set; } = true;

    [Required]
    public string RateSyncCron { get; set; } = "0 3 * * *";
}
