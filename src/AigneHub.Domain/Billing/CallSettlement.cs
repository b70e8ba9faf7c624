namespace AigneHub.Domain.Billing;

/// <summary>
/// How a call's hold was settled, keyed by the call id: the index that makes captures and releases idempotent, kept
/// beside the account instead of inside it, so the account document (rewritten by every batch) stays the same size
/// however many calls the account makes. Written in the transaction that appends the settling event; forgotten after
/// <see cref="CreditAccount.SettledRetention"/> by the hold-recovery job.
/// </summary>
public sealed class CallSettlement
{
    /// <summary>The call id.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>The account's stream id.</summary>
    public string AccountId { get; set; } = string.Empty;

    public Settlement Settlement { get; set; }

    public DateTimeOffset At { get; set; }
}
