using System.ComponentModel.DataAnnotations;

namespace AigneHub.Application.Billing.Common;

/// <summary>How the call path uses billing (section "Billing"). The prices themselves are settings in the event store.</summary>
public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>How long a call's hold lasts before the recovery job may settle it (the call should be long over).</summary>
    [Range(1, 24 * 60)]
    public int HoldMinutes { get; set; } = 15;

    /// <summary>How long a hub instance reuses settings and rates it read; changes made through this instance apply at once.</summary>
    [Range(0, 300)]
    public int CacheSeconds { get; set; } = 5;
}
