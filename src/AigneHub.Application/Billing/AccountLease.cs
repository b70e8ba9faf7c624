namespace AigneHub.Application.Billing;

/// <summary>One account's lease on this instance and its recent use; guarded by locking the instance.</summary>
internal sealed class AccountLease(string userId)
{
    private DateTimeOffset _windowStart;
    private int _windowHolds;
    private decimal _windowCredits;
    private int _lastWindowHolds;

    public string UserId { get; } = userId;

    public BillingSettings? Settings { get; set; }

    public string? LeaseId { get; set; }

    /// <summary>Whether holds may be served from the lease.</summary>
    public bool Active { get; set; }

    /// <summary>A lease, renewal or return of this account is being written.</summary>
    public bool Busy { get; set; }

    /// <summary>The account's first lease while it is being written (no lease served from yet): calls wait for it.</summary>
    public Task? Leasing { get; set; }

    /// <summary>Leased credits neither held by calls in flight nor spent.</summary>
    public decimal Free { get; set; }

    /// <summary>The lease's size when last leased or topped up: a top-up starts when half of it is used.</summary>
    public decimal Size { get; set; }

    public Dictionary<string, decimal> Holds { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset RenewAt { get; set; }

    /// <summary>Holds are served until a renewal period before expiry: a lease whose renewals fail stops serving before recovery may take it.</summary>
    public DateTimeOffset ServeUntil => ExpiresAt - ((ExpiresAt - RenewAt) / 2);

    public DateTimeOffset LastUsed { get; set; }

    public DateTimeOffset RetryAt { get; set; }

    /// <summary>Credits held per second here over the last full second.</summary>
    public decimal RatePerSecond { get; private set; }

    /// <summary>Holds seen in the current and the last second.</summary>
    public int RecentHolds => _windowHolds + _lastWindowHolds;

    public void Note(decimal amount, DateTimeOffset now)
    {
        var elapsed = now - _windowStart;
        if (elapsed >= TimeSpan.FromSeconds(1))
        {
            RatePerSecond = elapsed < TimeSpan.FromSeconds(2) ? _windowCredits / (decimal)elapsed.TotalSeconds : 0m;
            _lastWindowHolds = elapsed < TimeSpan.FromSeconds(2) ? _windowHolds : 0;
            (_windowStart, _windowHolds, _windowCredits) = (now, 0, 0m);
        }

        _windowHolds++;
        _windowCredits += amount;
        LastUsed = now > LastUsed ? now : LastUsed;
    }
}
