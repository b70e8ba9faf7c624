namespace AigneHub.Domain.Billing;

/// <summary>
/// A live call's claim on its hold: the hub instance that runs the call renews it while the call lasts, and the
/// hold-recovery job leaves a hold alone while its lease runs. A document, not a ledger event, because it says who is
/// still working on a call, not anything about the balance; it is written only for calls that outlive the renewal
/// period, and deleted when the call settles.
/// </summary>
public sealed class HoldLease
{
    /// <summary>The call id (the hold's key on its account).</summary>
    public string Id { get; set; } = string.Empty;

    public string UserId { get; set; } = string.Empty;

    /// <summary>Which hub instance runs the call (host and process), for an operator reading the lease.</summary>
    public string Owner { get; set; } = string.Empty;

    public DateTimeOffset ExpiresAt { get; set; }

    /// <summary>Whether the call's owner was alive recently enough to keep the hold at <paramref name="now"/>.</summary>
    public bool IsLive(DateTimeOffset now) => ExpiresAt > now;
}
