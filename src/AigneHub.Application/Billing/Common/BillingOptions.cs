using System.ComponentModel.DataAnnotations;

namespace AigneHub.Application.Billing.Common;

/// <summary>How the call path uses billing (section "Billing"). The prices themselves are settings in the event store.</summary>
public sealed class BillingOptions : IValidatableObject
{
    public const string Section = "Billing";

    /// <summary>
    /// How long a call's hold lasts without a sign of life from the instance running the call: the hold-recovery job
    /// settles a hold past this that no live instance renewed (<see cref="HoldRenewalSeconds"/>).
    /// </summary>
    [Range(1, 24 * 60)]
    public int HoldMinutes { get; set; } = 15;

    /// <summary>
    /// How often an instance renews the holds of the calls it is still running (0: a third of <see cref="HoldMinutes"/>).
    /// At most half of <see cref="HoldMinutes"/>, so one missed renewal never lets a live call's hold lapse.
    /// </summary>
    [Range(0, 12 * 60 * 60)]
    public int HoldRenewalSeconds { get; set; }

    /// <summary>How long a hub instance reuses settings and rates it read; changes made through this instance apply at once.</summary>
    [Range(0, 300)]
    public int CacheSeconds { get; set; } = 5;

    /// <summary>
    /// The most holds, captures and releases one ledger transaction writes (group commit, ADR 0019): every change queued
    /// while the previous transaction ran is written by the next one, up to this many.
    /// </summary>
    [Range(1, 5_000)]
    public int LedgerBatchSize { get; set; } = 256;

    /// <summary>How many holds, captures and releases may wait for the ledger writer before new calls are refused with 503.</summary>
    [Range(1, 1_000_000)]
    public int LedgerQueueLimit { get; set; } = 10_000;

    /// <summary>The renewal period in effect.</summary>
    public TimeSpan HoldRenewalPeriod => HoldRenewalSeconds > 0 ? TimeSpan.FromSeconds(HoldRenewalSeconds) : TimeSpan.FromMinutes(HoldMinutes) / 3;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HoldRenewalSeconds * 2 > HoldMinutes * 60)
        {
            yield return new ValidationResult(
                $"Billing:HoldRenewalSeconds ({HoldRenewalSeconds}) must be at most half of Billing:HoldMinutes ({HoldMinutes} minutes), or a live call's hold could lapse.",
                [nameof(HoldRenewalSeconds)]);
        }
    }
}
