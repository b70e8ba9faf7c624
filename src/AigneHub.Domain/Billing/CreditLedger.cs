namespace AigneHub.Domain.Billing;

/// <summary>
/// The rules of a credit account, as functions of its state and a command that return the events to append. A broken
/// rule throws <see cref="CreditRuleException"/>; a command that already happened (a second capture of the same call,
/// a replayed payment) returns no events. Every event is dated <see cref="TimeOf"/>: never earlier than the entry before
/// it, so ledger time runs forward per account even when a writer's clock is behind another's.
/// </summary>
public static class CreditLedger
{
    /// <summary>
    /// When a decision taken at <paramref name="at"/> enters the ledger: <paramref name="at"/>, or the time of the
    /// account's last entry when that is later (another instance's clock ahead of this one's).
    /// </summary>
    public static DateTimeOffset TimeOf(CreditAccount current, DateTimeOffset at) => at < current.UpdatedAt ? current.UpdatedAt : at;

    /// <summary>Opens the account with the new-user grant, once: an account that exists is left as it is.</summary>
    public static IReadOnlyList<object> Open(CreditAccount? current, string userId, BillingSettings settings, Guid grantId, DateTimeOffset at)
    {
        if (current is not null)
        {
            return [];
        }

        if (settings.NewUserGrant <= 0)
        {
            return [new CreditAccountOpened(userId, at)];
        }

        DateTimeOffset? expiresAt = settings.NewUserGrantExpiryDays is { } days ? at.AddDays(days) : null;
        return [new CreditAccountOpened(userId, at), new CreditsGranted(grantId, settings.NewUserGrant, GrantSource.Welcome, expiresAt, null, "system", at)];
    }

    /// <summary>
    /// Grants credits. A grant with a reference the account already has grants nothing: a purchase's payment id (a
    /// replayed payment), or an operator's idempotency key (a retried grant). Payment ids and idempotency keys are kept
    /// apart, and a key reused for a different grant is refused rather than ignored.
    /// </summary>
    public static IReadOnlyList<object> Grant(CreditAccount current, NewGrant grant, string by, DateTimeOffset at)
    {
        var (grantId, amount, source, expiresAt, reference) = grant;
        RequirePositive(amount, "amount");
        at = TimeOf(current, at);
        if (expiresAt is { } expiry && expiry <= at)
        {
            throw new CreditRuleException(CreditRule.InvalidValue, "expires_at", "expires_at must be in the future.");
        }

        var purchase = source == GrantSource.Purchase;
        if (reference is not null && current.Grants.FirstOrDefault(g => g.Reference == reference && (g.Source == GrantSource.Purchase) == purchase) is { } earlier)
        {
            return purchase || (earlier.Amount == amount && earlier.Source == source)
                ? []
                : throw new CreditRuleException(
                    CreditRule.ReferenceReused,
                    "idempotency_key",
                    $"The idempotency key '{reference}' was used for another grant ({earlier.Amount} credits, {earlier.Source.ToString().ToLowerInvariant()}); use a new key for a new grant.");
        }

        return [new CreditsGranted(grantId, amount, source, expiresAt, reference, by, at)];
    }

    /// <summary>Reserves an estimate for a call; refused when the available balance cannot cover it.</summary>
    public static CreditsHeld Hold(CreditAccount current, string callId, decimal amount, string model, DateTimeOffset expiresAt, DateTimeOffset at)
    {
        if (amount < 0 || amount != Credits.Round(amount))
        {
            throw new CreditRuleException(CreditRule.InvalidAmount, "amount", $"A hold must be zero or more, with at most {Credits.Scale} decimal places.");
        }

        if (current.Hold(callId) is not null || current.Settled.ContainsKey(callId))
        {
            throw new CreditRuleException(CreditRule.DuplicateHold, "call_id", $"The call {callId} already has a hold.");
        }

        if (amount > current.Available)
        {
            throw new CreditRuleException(
                CreditRule.InsufficientCredits,
                "amount",
                $"Not enough credits: this call needs up to {amount} credits and {Math.Max(0, current.Available)} are available.");
        }

        return new CreditsHeld(callId, amount, model, expiresAt, TimeOf(current, at));
    }

    /// <summary>
    /// Settles a call's hold at its exact cost. A cost above the hold takes the excess from the available balance, and
    /// what even that cannot cover is recorded as uncollected, so the balance never goes below zero. Capturing a call
    /// that was already captured changes nothing. A call whose hold was already released (the recovery job found no
    /// live owner, e.g. the instance stalled past the hold's lease) was still served, so it is still charged: a capture
    /// with no hold left, paid from the available balance.
    /// </summary>
    public static IReadOnlyList<object> Capture(CreditAccount current, CallCapture capture, DateTimeOffset at)
    {
        var (callId, cost) = (capture.CallId, capture.Cost);
        if (cost < 0 || cost != Credits.Round(cost))
        {
            throw new CreditRuleException(CreditRule.InvalidAmount, "amount", $"A cost must be zero or more, with at most {Credits.Scale} decimal places.");
        }

        decimal held;
        if (current.Settled.TryGetValue(callId, out var settlement))
        {
            if (settlement == Settlement.Captured)
            {
                return [];
            }

            held = 0m;
        }
        else
        {
            held = (current.Hold(callId) ?? throw new CreditRuleException(CreditRule.UnknownHold, "call_id", $"The call {callId} has no hold on this account.")).Amount;
        }

        var coverable = held + Math.Max(0, current.Available);
        return [Captured(current, capture, held, Math.Min(cost, coverable), at, leaseId: null)];
    }

    /// <summary>
    /// Leases <paramref name="amount"/> of the available balance to a hub instance (ADR 0024), or tops up (and renews)
    /// the lease it has; refused when the available balance cannot cover it, so leases never overspend. An amount of 0
    /// only moves the lease's expiry.
    /// </summary>
    public static BalanceLeased Lease(CreditAccount current, string leaseId, string owner, decimal amount, DateTimeOffset expiresAt, DateTimeOffset at)
    {
        if (amount < 0 || amount != Credits.Round(amount))
        {
            throw new CreditRuleException(CreditRule.InvalidAmount, "amount", $"A lease must be zero or more, with at most {Credits.Scale} decimal places.");
        }

        if (amount > current.Available)
        {
            throw new CreditRuleException(
                CreditRule.InsufficientCredits, "amount", $"Not enough credits: a lease of {amount} credits and {Math.Max(0, current.Available)} are available.");
        }

        return new BalanceLeased(leaseId, owner, amount, expiresAt, TimeOf(current, at));
    }

    /// <summary>
    /// Returns what is left of a lease, keeping <paramref name="keep"/> (the holds its owner still serves from it); a
    /// lease that is gone or has nothing to give back returns nothing.
    /// </summary>
    public static IReadOnlyList<object> ReturnLease(CreditAccount current, string leaseId, decimal keep, string reason, DateTimeOffset at)
    {
        var lease = current.Lease(leaseId);
        var amount = lease is null ? 0m : lease.Amount - Math.Max(0, keep);
        return amount > 0 || (lease is not null && keep <= 0)
            ? [new LeaseReturned(leaseId, Math.Max(0, amount), reason, TimeOf(current, at))]
            : [];
    }

    /// <summary>
    /// Settles a call that its instance served from a balance lease, at its exact cost: the lease pays what it can, the
    /// available balance the rest (a lease recovery already returned), and what neither covers is uncollected. Capturing
    /// a call this state knows as settled changes nothing. The settlement index does not keep these calls (ADR 0027):
    /// the instance that served the call captures it once, and the ledger writer never writes a batch twice.
    /// </summary>
    public static IReadOnlyList<object> CaptureFromLease(CreditAccount current, string leaseId, CallCapture capture, DateTimeOffset at)
    {
        var (callId, cost) = (capture.CallId, capture.Cost);
        if (cost < 0 || cost != Credits.Round(cost))
        {
            throw new CreditRuleException(CreditRule.InvalidAmount, "amount", $"A cost must be zero or more, with at most {Credits.Scale} decimal places.");
        }

        if (current.Settled.ContainsKey(callId) || current.Hold(callId) is not null)
        {
            // Captured already (a repeat), or settled on its own hold: this call's entry exists.
            return [];
        }

        var drawn = Math.Min(cost, Math.Max(0, current.Lease(leaseId)?.Amount ?? 0m));
        return [Captured(current, capture, drawn, drawn + Math.Min(cost - drawn, Math.Max(0, current.Available)), at, leaseId)];
    }

    private static HoldCaptured Captured(CreditAccount current, CallCapture capture, decimal held, decimal charged, DateTimeOffset at, string? leaseId) => new(
        capture.CallId, held, charged, capture.Cost - charged, capture.RateId, capture.RateVersion, capture.Usage.PromptTokens,
        capture.Usage.CompletionTokens, capture.Usage.CachedPromptTokens, capture.CostUsd, TimeOf(current, at), leaseId);

    /// <summary>The leases whose owner has not renewed them by <paramref name="now"/>.</summary>
    public static IReadOnlyList<LeaseState> LapsedLeases(CreditAccount current, DateTimeOffset now) =>
        current.Leases.Where(l => l.ExpiresAt <= now).ToArray();

    /// <summary>Returns a call's whole hold. Releasing twice changes nothing; releasing a captured hold is refused.</summary>
    public static IReadOnlyList<object> Release(CreditAccount current, string callId, string reason, DateTimeOffset at)
    {
        if (current.Settled.TryGetValue(callId, out var settlement))
        {
            return settlement == Settlement.Released
                ? []
                : throw new CreditRuleException(CreditRule.AlreadySettled, "call_id", $"The hold of call {callId} was captured; it cannot be released.");
        }

        var hold = current.Hold(callId) ?? throw new CreditRuleException(CreditRule.UnknownHold, "call_id", $"The call {callId} has no hold on this account.");
        return [new HoldReleased(callId, hold.Amount, reason, TimeOf(current, at))];
    }

    /// <summary>
    /// Expires what is left of the grants whose time is up. Credits that calls in flight are holding are not taken
    /// away from under them: an expiring grant gives up only what the holds do not need, and the rest expires at the
    /// next run after those holds settle.
    /// </summary>
    public static IReadOnlyList<object> ExpireGrants(CreditAccount current, DateTimeOffset now)
    {
        var events = new List<object>();
        var at = TimeOf(current, now);
        var free = current.Available;
        foreach (var grant in current.Grants.Where(g => g.ExpiresAt <= now && g.Remaining > 0).OrderBy(g => g.ExpiresAt))
        {
            var amount = Math.Min(grant.Remaining, Math.Max(0, free));
            if (amount > 0)
            {
                events.Add(new GrantExpired(grant.GrantId, amount, at));
                free -= amount;
            }
        }

        return events;
    }

    /// <summary>The holds whose call should have finished by <paramref name="now"/>.</summary>
    public static IReadOnlyList<HoldState> OverdueHolds(CreditAccount current, DateTimeOffset now) =>
        current.Holds.Where(h => h.ExpiresAt <= now).ToArray();

    /// <summary>An operator's correction; a removal cannot take more than is available.</summary>
    public static CreditsAdjusted Adjust(CreditAccount current, Guid adjustmentId, decimal amount, string reason, string by, DateTimeOffset at)
    {
        if (amount == 0 || !Credits.FitsLedger(amount))
        {
            throw new CreditRuleException(
                CreditRule.InvalidAmount, "amount", $"An adjustment must not be zero, is at most {Credits.MaxAmount} either way and has at most {Credits.Scale} decimal places.");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new CreditRuleException(CreditRule.InvalidValue, "reason", "An adjustment needs a reason.");
        }

        if (amount < 0 && -amount > current.Available)
        {
            throw new CreditRuleException(
                CreditRule.InsufficientCredits, "amount", $"Cannot remove {-amount} credits: only {Math.Max(0, current.Available)} are available.");
        }

        return new CreditsAdjusted(adjustmentId, amount, reason, by, TimeOf(current, at));
    }

    private static void RequirePositive(decimal amount, string field)
    {
        if (amount <= 0 || !Credits.FitsLedger(amount))
        {
            throw new CreditRuleException(
                CreditRule.InvalidAmount, field, $"{field} must be greater than zero and at most {Credits.MaxAmount}, with at most {Credits.Scale} decimal places.");
        }
    }
}
