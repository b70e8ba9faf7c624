namespace AigneHub.Domain.Billing;

/// <summary>
/// The mark of one committed transaction of the ledger writer, keyed by the attempt's id and written inside it
/// (ADR 0027). When a transaction's commit fails in a way that leaves its outcome unknown (the connection broke, the
/// answer was lost), the writer's retry looks for the mark under the same account locks: found, the batch is written
/// and none of its changes is decided again. Forgotten after <see cref="Retention"/> by the hold-recovery job.
/// </summary>
public sealed class LedgerCommit
{
    /// <summary>How long a mark is kept. A writer that could not read a mark within half of it gives its batch up (ADR 0027).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    /// <summary>The attempt's id (time-ordered).</summary>
    public Guid Id { get; set; }

    public DateTimeOffset At { get; set; }
}
