namespace AigneHub.Domain.Billing.Events;

// Settings: one stream (BillingSettings.StreamId). Every change records the whole settings, so one event is one version.

public sealed record BillingSettingsChanged(
    BillingMode Mode,
    decimal BaseCreditPrice,
    decimal ProfitMarginPercent,
    string CurrencyPrefix,
    decimal NewUserGrant,
    int? NewUserGrantExpiryDays,
    string? PaymentLink,
    int DefaultHoldTokens,
    string By,
    DateTimeOffset At);

// Model rates: one stream per provider + model + type (ModelRate.StreamIdFor). Every event is a new rate version.

/// <summary>What the provider charges the hub, in US dollars per token (per image for an image's output).</summary>
public sealed record UnitCosts(decimal InputUsd, decimal OutputUsd, decimal? CacheReadUsd = null, decimal? CacheWriteUsd = null);

/// <param name="Source">Why this version exists: "admin", "unit-cost", "reprice" or "catalogue".</param>
public sealed record ModelRateSet(
    string RateId,
    string Provider,
    string Model,
    CallType Type,
    decimal InputRate,
    decimal OutputRate,
    decimal? CacheReadRate,
    decimal? CacheWriteRate,
    UnitCosts? UnitCosts,
    bool Deprecated,
    string Source,
    string By,
    DateTimeOffset At);

// Credit accounts: one stream per user (CreditAccount.StreamIdFor).

/// <summary>
/// An entry of a credit account's ledger. <see cref="At"/> is when it took effect; within one account it never goes
/// back in time (<see cref="CreditLedger"/> dates a decision no earlier than the entry before it), so "the balance at T"
/// is the ledger up to the last entry at or before T.
/// </summary>
public interface ICreditLedgerEntry
{
    DateTimeOffset At { get; }
}

public sealed record CreditAccountOpened(string UserId, DateTimeOffset At) : ICreditLedgerEntry;

/// <param name="Reference">The payment id of a purchase, or the idempotency key of an operator's grant: a repeat of the
/// same reference grants nothing.</param>
public sealed record CreditsGranted(Guid GrantId, decimal Amount, GrantSource Source, DateTimeOffset? ExpiresAt, string? Reference, string By, DateTimeOffset At)
    : ICreditLedgerEntry;

public sealed record CreditsHeld(string CallId, decimal Amount, string Model, DateTimeOffset ExpiresAt, DateTimeOffset At) : ICreditLedgerEntry;

/// <summary>
/// The call's hold settled at its exact cost; the rest of the hold returns to the available balance. When the cost
/// exceeded the hold, the excess came out of the available balance, and whatever the account could not cover is
/// <paramref name="Uncollected"/> (the balance never goes below zero). A call served after its hold was already
/// released (the recovery job judged it dead) is still charged: a capture with no hold left, paid from what is available.
/// </summary>
/// <param name="HoldAmount">What the call still held (all of it leaves the held total); 0 for a capture after release.
/// For a call served from a balance lease: what left the lease (the lease's part of the charge).</param>
/// <param name="LeaseId">The balance lease the call was served from (<see cref="BalanceLeased"/>), or null for a call
/// with a hold of its own.</param>
public sealed record HoldCaptured(
    string CallId,
    decimal HoldAmount,
    decimal Amount,
    decimal Uncollected,
    string? RateId,
    int? RateVersion,
    int PromptTokens,
    int CompletionTokens,
    int CachedPromptTokens,
    decimal? CostUsd,
    DateTimeOffset At,
    string? LeaseId = null) : ICreditLedgerEntry;

public sealed record HoldReleased(string CallId, decimal Amount, string Reason, DateTimeOffset At) : ICreditLedgerEntry;

/// <summary>The unused part of an expiring grant left the balance.</summary>
public sealed record GrantExpired(Guid GrantId, decimal Amount, DateTimeOffset At) : ICreditLedgerEntry;

/// <summary>An operator's correction: positive adds credits, negative removes them.</summary>
public sealed record CreditsAdjusted(Guid AdjustmentId, decimal Amount, string Reason, string By, DateTimeOffset At) : ICreditLedgerEntry;

/// <summary>
/// A hub instance leased part of the account's available balance (ADR 0024): it serves holds of the account from the
/// lease in memory, and its calls are captured against the lease (<see cref="HoldCaptured.LeaseId"/>). A lease is held
/// credits until returned. A second event for the same lease tops it up by <paramref name="Amount"/> (0: only renews it).
/// </summary>
/// <param name="Owner">The instance holding the lease (host and process).</param>
/// <param name="ExpiresAt">Until when the lease is the owner's without renewal; after it, recovery returns it.</param>
public sealed record BalanceLeased(string LeaseId, string Owner, decimal Amount, DateTimeOffset ExpiresAt, DateTimeOffset At) : ICreditLedgerEntry;

/// <summary>Credits of a lease went back to the available balance: the lease was idle, its instance stopped, or recovery found it lapsed.</summary>
public sealed record LeaseReturned(string LeaseId, decimal Amount, string Reason, DateTimeOffset At) : ICreditLedgerEntry;
