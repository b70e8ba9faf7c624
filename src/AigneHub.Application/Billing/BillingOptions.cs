using System.ComponentModel.DataAnnotations;

namespace AigneHub.Application.Billing;

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

    /// <summary>
    /// How many transactions the credit-ledger writer runs side by side, each for its own share of the accounts (by a hash
    /// of the account id), with a connection of the main pool each. One lane's round trips to the database then overlap
    /// another's work on the client: a flush of captures over many accounts is written in parallel.
    /// </summary>
    [Range(1, 16)]
    public int LedgerWriterLanes { get; set; } = 2;

    /// <summary>How many holds, captures and releases may wait for the ledger writer (over all its lanes) before new calls are refused with 503.</summary>
    [Range(1, 1_000_000)]
    public int LedgerQueueLimit { get; set; } = 10_000;

    /// <summary>
    /// Whether an instance leases part of a busy account's balance and serves its holds from memory (ADR 0024). Off, every
    /// hold and capture is a ledger change of its own (ADR 0019).
    /// </summary>
    public bool LeaseBalance { get; set; } = true;

    /// <summary>How many holds of one account an instance must see within a second before it leases part of its balance.</summary>
    [Range(1, 1_000_000)]
    public int LeaseAfterHolds { get; set; } = 16;

    /// <summary>A lease is sized for this many seconds of the account's recent holds on this instance (before the bounds below).</summary>
    [Range(1, 3_600)]
    public int LeaseSeconds { get; set; } = 10;

    /// <summary>The most of an account's available balance one lease (with its top-ups) may take, in percent.</summary>
    [Range(1, 100)]
    public int LeasePercent { get; set; } = 25;

    /// <summary>A lease no call used for this long is returned to the account.</summary>
    [Range(1, 3_600)]
    public int LeaseIdleSeconds { get; set; } = 30;

    /// <summary>
    /// The most captures of calls served from leases that may wait unwritten on this instance. A call that finds them
    /// at the limit has them written first (<see cref="LeaseRoomWaitMilliseconds"/>), then is served from its lease:
    /// the answers never run ahead of the ledger by more than this, which also bounds what a crashed instance can lose
    /// (ADR 0024).
    /// </summary>
    [Range(1, 1_000_000)]
    public int LeaseUnwrittenLimit { get; set; } = 1_024;

    /// <summary>
    /// How long a call that finds <see cref="LeaseUnwrittenLimit"/> reached waits for the unwritten captures to be
    /// written before it takes a direct hold (which waits for the ledger writer too, and adds a hold and a capture to
    /// it). 0: at once.
    /// </summary>
    [Range(0, 60_000)]
    public int LeaseRoomWaitMilliseconds { get; set; } = 1_000;

    /// <summary>
    /// How often the captures of calls served from leases are written (behind the answer, in one transaction): also the
    /// most a crashed instance can lose of them (ADR 0024).
    /// </summary>
    [Range(1, 10_000)]
    public int LedgerFlushMilliseconds { get; set; } = 20;

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
