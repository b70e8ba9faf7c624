using AigneHub.Domain.Billing;

namespace AigneHub.UnitTests.Domain.Billing;

public sealed class BillingDecisionsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static BillingSettingsValues Values(string prefix = "€", decimal basePrice = 1m) =>
        new(BillingMode.Credits, basePrice, 2m, prefix, 10m, 30, "https://pay.example/credits", 1024);

    [Fact]
    public void The_defaults_are_enterprise_mode_with_a_two_percent_margin()
    {
        var defaults = BillingSettings.Defaults;

        Assert.Equal((BillingMode.Enterprise, 1m, 2m, 0), (defaults.Mode, defaults.BaseCreditPrice, defaults.ProfitMarginPercent, defaults.Version));
    }

    [Fact]
    public void A_change_records_the_whole_settings_and_the_same_settings_again_record_nothing()
    {
        var change = Assert.Single(BillingDecisions.Change(BillingSettings.Defaults, Values(), "admin", At));
        var settings = BillingSettings.Create((AigneHub.Domain.Billing.Events.BillingSettingsChanged)change);
        settings.Version = 1;

        Assert.Equal(("€", 10m, (int?)30, 1024), (settings.CurrencyPrefix, settings.NewUserGrant, settings.NewUserGrantExpiryDays, settings.DefaultHoldTokens));
        Assert.Empty(BillingDecisions.Change(settings, Values(), "admin", At));
    }

    [Theory]
    [InlineData("£", 1, "currency_prefix")]
    [InlineData("$", 0, "base_credit_price")]
    [InlineData("$", 0.0000009, "base_credit_price")]
    [InlineData("$", 79000000000000000000000000000d, "base_credit_price")]
    public void Settings_outside_the_allowed_values_are_refused(string prefix, decimal basePrice, string field)
    {
        var error = Assert.Throws<CreditRuleException>(() => BillingDecisions.Change(BillingSettings.Defaults, Values(prefix, basePrice), "admin", At));

        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void A_welcome_grant_beyond_what_the_ledger_takes_is_refused()
    {
        var values = Values() with { NewUserGrant = 79_000_000_000_000_000_000_000_000_000m };

        var error = Assert.Throws<CreditRuleException>(() => BillingDecisions.Change(BillingSettings.Defaults, values, "admin", At));

        Assert.Equal("new_user_grant", error.Field);
    }
}
