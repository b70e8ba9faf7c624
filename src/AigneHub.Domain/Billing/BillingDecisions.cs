namespace AigneHub.Domain.Billing;

/// <summary>Decisions about billing settings: (state, command) → events.</summary>
public static class BillingDecisions
{
    /// <summary>The most output tokens a call without max_tokens may be held for (and sent upstream as its max_tokens).</summary>
    public const int MaxDefaultHoldTokens = 1_000_000;

    /// <summary>The least a credit may be worth (a millionth of a US dollar): rates derived from unit costs stay in range.</summary>
    public const decimal MinBaseCreditPrice = 0.000001m;

    public static IReadOnlyList<object> Change(BillingSettings current, BillingSettingsValues values, string by, DateTimeOffset at)
    {
        if (values.BaseCreditPrice is < MinBaseCreditPrice or > Credits.MaxRate)
        {
            throw new CreditRuleException(
                CreditRule.InvalidValue, "base_credit_price", $"base_credit_price must be between {MinBaseCreditPrice} and {Credits.MaxRate} US dollars.");
        }

        if (values.ProfitMarginPercent is < 0 or > 1000)
        {
            throw new CreditRuleException(CreditRule.InvalidValue, "profit_margin_percent", "profit_margin_percent must be between 0 and 1000.");
        }

        if (!BillingSettings.CurrencyPrefixes.Contains(values.CurrencyPrefix))
        {
            throw new CreditRuleException(CreditRule.InvalidValue, "currency_prefix", "currency_prefix must be \"$\", \"€\", \"¥\" or empty.");
        }

        if (values.NewUserGrant < 0 || !Credits.FitsLedger(values.NewUserGrant))
        {
            throw new CreditRuleException(
                CreditRule.InvalidAmount, "new_user_grant", $"new_user_grant must be zero or more and at most {Credits.MaxAmount}, with at most {Credits.Scale} decimal places.");
        }

        if (values.NewUserGrantExpiryDays is <= 0)
        {
            throw new CreditRuleException(CreditRule.InvalidValue, "new_user_grant_expiry_days", "new_user_grant_expiry_days must be at least 1 when given.");
        }

        if (values.DefaultHoldTokens < 1 || (values.DefaultHoldTokens > MaxDefaultHoldTokens && values.DefaultHoldTokens != current.DefaultHoldTokens))
        {
            // It is sent upstream as max_tokens of every call that names none: no provider takes billions.
            throw new CreditRuleException(CreditRule.InvalidValue, "default_hold_tokens", $"default_hold_tokens must be between 1 and {MaxDefaultHoldTokens}.");
        }

        var unchanged = current.Version > 0
            && current.Mode == values.Mode
            && current.BaseCreditPrice == values.BaseCreditPrice
            && current.ProfitMarginPercent == values.ProfitMarginPercent
            && current.CurrencyPrefix == values.CurrencyPrefix
            && current.NewUserGrant == values.NewUserGrant
            && current.NewUserGrantExpiryDays == values.NewUserGrantExpiryDays
            && current.PaymentLink == values.PaymentLink
            && current.DefaultHoldTokens == values.DefaultHoldTokens;
        return unchanged
            ? []
            : [new BillingSettingsChanged(values.Mode, values.BaseCreditPrice, values.ProfitMarginPercent, values.CurrencyPrefix, values.NewUserGrant,
                values.NewUserGrantExpiryDays, values.PaymentLink, values.DefaultHoldTokens, by, at)];
    }
}
