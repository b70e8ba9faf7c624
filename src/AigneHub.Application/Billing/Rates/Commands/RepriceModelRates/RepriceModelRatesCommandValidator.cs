namespace AigneHub.Application.Billing.Rates.Commands.RepriceModelRates;

internal sealed class RepriceModelRatesCommandValidator : AbstractValidator<RepriceModelRatesCommand>
{
    public RepriceModelRatesCommandValidator()
    {
        RuleFor(c => c.ExpectedSettingsVersion).GreaterThanOrEqualTo(0).OverridePropertyName("expected_settings_version");
        RuleFor(c => c.ProfitMarginPercent).InclusiveBetween(0, 1000).When(c => c.ProfitMarginPercent is not null).OverridePropertyName("profit_margin_percent");
        RuleFor(c => c.BaseCreditPrice).GreaterThan(0).When(c => c.BaseCreditPrice is not null).OverridePropertyName("base_credit_price");
        RuleFor(c => c.Actor).Actor();
    }
}
