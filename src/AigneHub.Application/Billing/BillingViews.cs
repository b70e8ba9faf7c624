using AigneHub.Domain.Billing.Events;

namespace AigneHub.Application.Billing;

/// <summary>The billing settings with the version to send back on the next change (0 = never changed: the defaults).</summary>
public sealed record BillingSettingsView(
    BillingMode Mode,
    decimal BaseCreditPrice,
    decimal ProfitMarginPercent,
    string CurrencyPrefix,
    decimal NewUserGrant,
    int? NewUserGrantExpiryDays,
    string? PaymentLink,
    int DefaultHoldTokens,
    int Version,
    DateTimeOffset? UpdatedAt)
{
    public static BillingSettingsView From(BillingSettings s) => new(
        s.Mode, s.BaseCreditPrice, s.ProfitMarginPercent, s.CurrencyPrefix, s.NewUserGrant, s.NewUserGrantExpiryDays, s.PaymentLink, s.DefaultHoldTokens, s.Version, s.UpdatedAt);
}

/// <summary>One version of a model's rate.</summary>
public sealed record RateView(
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
    int Version,
    DateTimeOffset UpdatedAt)
{
    public static RateView From(ModelRate r) => new(
        r.Id, r.Provider, r.Model, r.Type, r.InputRate, r.OutputRate, r.CacheReadRate, r.CacheWriteRate, r.UnitCosts, r.Deprecated, r.Source, r.Version, r.UpdatedAt);

    public static RateView From(ModelRateSet e, int version) => new(
        e.RateId, e.Provider, e.Model, e.Type, e.InputRate, e.OutputRate, e.CacheReadRate, e.CacheWriteRate, e.UnitCosts, e.Deprecated, e.Source, version, e.At);
}

/// <summary>A rate before (null for a new one) and after a change; a dry run shows these without writing them.</summary>
public sealed record RateChangeView(RateView? Before, RateView After);

/// <summary>An account's balance: what it owns, what calls in flight hold, what is free to spend.</summary>
public sealed record CreditBalanceView(
    string UserId,
    decimal Balance,
    decimal Held,
    decimal Available,
    decimal TotalGranted,
    decimal TotalSpent,
    decimal TotalExpired,
    string CurrencyPrefix,
    int Version,
    DateTimeOffset? UpdatedAt)
{
    /// <summary>
    /// What calls cost beyond their hold and the rest of the balance: service the account received but could not pay
    /// for. Holds are ceilings, so this stays 0; anything else means a bound was wrong (see docs/billing.md).
    /// </summary>
    public decimal TotalUncollected { get; init; }

    public static CreditBalanceView From(string userId, CreditAccount? a, string currencyPrefix) => a is null
        ? new(userId, 0m, 0m, 0m, 0m, 0m, 0m, currencyPrefix, 0, null)
        : new(a.UserId, a.Balance, a.Held, a.Available, a.TotalGranted, a.TotalSpent, a.TotalExpired, currencyPrefix, a.Version, a.UpdatedAt)
        {
            TotalUncollected = a.TotalUncollected,
        };
}

/// <summary>
/// One entry of an account's ledger. <see cref="BalanceChange"/> is what it did to the balance (grants +, captures and
/// expiries −; holds and releases change only what is available, shown in <see cref="HeldChange"/>).
/// </summary>
public sealed record CreditTransactionView(
    int Version,
    string Kind,
    decimal BalanceChange,
    decimal HeldChange,
    string? CallId,
    string? Source,
    string? Reason,
    string? RateId,
    int? RateVersion,
    DateTimeOffset At)
{
    public static CreditTransactionView? From(object data, int version) => data switch
    {
        CreditAccountOpened e => new(version, "opened", 0m, 0m, null, null, null, null, null, e.At),
        CreditsGranted e => new(version, "granted", e.Amount, 0m, null, e.Source.ToString().ToLowerInvariant(), e.Reference, null, null, e.At),
        CreditsHeld e => new(version, "held", 0m, e.Amount, e.CallId, null, e.Model, null, null, e.At),
        HoldCaptured e => new(version, "captured", -e.Amount, -e.HoldAmount, e.CallId, null, null, e.RateId, e.RateVersion, e.At),
        HoldReleased e => new(version, "released", 0m, -e.Amount, e.CallId, null, e.Reason, null, null, e.At),
        GrantExpired e => new(version, "expired", -e.Amount, 0m, null, null, null, null, null, e.At),
        CreditsAdjusted e => new(version, "adjusted", e.Amount, 0m, null, null, e.Reason, null, null, e.At),
        BalanceLeased e => new(version, "leased", 0m, e.Amount, null, e.Owner, e.LeaseId, null, null, e.At),
        LeaseReturned e => new(version, "lease_returned", 0m, -e.Amount, null, null, e.Reason, null, null, e.At),
        _ => null,
    };
}
