namespace AigneHub.Domain.Billing;

/// <summary>
/// The hub's billing settings as their stream says; before any change, the defaults (enterprise mode, base credit price
/// 1, margin 2 %). Built only by <see cref="Create"/>/<see cref="Apply"/>; decisions are in <see cref="BillingDecisions"/>.
/// </summary>
public sealed class BillingSettings
{
    /// <summary>The one settings stream.</summary>
    public const string StreamId = "billing-settings";

    public static readonly IReadOnlySet<string> CurrencyPrefixes = new HashSet<string>(StringComparer.Ordinal) { "$", "€", "¥", "" };

    public static BillingSettings Defaults => new() { Id = StreamId };

    public string Id { get; set; } = StreamId;

    /// <summary>The stream version (0 while only the defaults exist).</summary>
    public int Version { get; set; }

    public BillingMode Mode { get; private set; } = BillingMode.Enterprise;

    /// <summary>What one credit is worth in US dollars.</summary>
    public decimal BaseCreditPrice { get; private set; } = 1m;

    public decimal ProfitMarginPercent { get; private set; } = 2m;

    /// <summary>"$", "€", "¥" or "" (none): how balances are shown.</summary>
    public string CurrencyPrefix { get; private set; } = "$";

    /// <summary>Credits a new user receives once, when their account is opened (0 = none).</summary>
    public decimal NewUserGrant { get; private set; }

    /// <summary>Days until the new-user grant expires; null = never.</summary>
    public int? NewUserGrantExpiryDays { get; private set; }

    /// <summary>Where a user buys credits; shown with a "not enough credits" refusal.</summary>
    public string? PaymentLink { get; private set; }

    /// <summary>Output tokens a call is held for when it gives no max_tokens.</summary>
    public int DefaultHoldTokens { get; private set; } = 4096;

    public DateTimeOffset? UpdatedAt { get; private set; }

    public string? UpdatedBy { get; private set; }

    public bool CreditsEnabled => Mode == BillingMode.Credits;

    public static BillingSettings Create(BillingSettingsChanged e)
    {
        var settings = new BillingSettings();
        settings.Apply(e);
        return settings;
    }

    public void Apply(BillingSettingsChanged e)
    {
        Mode = e.Mode;
        BaseCreditPrice = e.BaseCreditPrice;
        ProfitMarginPercent = e.ProfitMarginPercent;
        CurrencyPrefix = e.CurrencyPrefix;
        NewUserGrant = e.NewUserGrant;
        NewUserGrantExpiryDays = e.NewUserGrantExpiryDays;
        PaymentLink = e.PaymentLink;
        DefaultHoldTokens = e.DefaultHoldTokens;
        UpdatedAt = e.At;
        UpdatedBy = e.By;
    }
}

/// <summary>The settings an operator asks for (all of them; a change records the whole set).</summary>
public sealed record BillingSettingsValues(
    BillingMode Mode,
    decimal BaseCreditPrice,
    decimal ProfitMarginPercent,
    string CurrencyPrefix,
    decimal NewUserGrant,
    int? NewUserGrantExpiryDays,
    string? PaymentLink,
    int DefaultHoldTokens);
