namespace AigneHub.Application.Billing.Rates.Commands.SetModelRateFromUnitCost;

internal sealed class SetModelRateFromUnitCostCommandValidator : AbstractValidator<SetModelRateFromUnitCostCommand>
{
    public SetModelRateFromUnitCostCommandValidator()
    {
        RuleFor(c => c.Type).IsInEnum().OverridePropertyName("type");
        RuleFor(c => c.Provider).RatedProvider().OverridePropertyName("provider");
        RuleFor(c => c.Model).ModelId().OverridePropertyName("model");
        RuleFor(c => c.UnitCosts.InputUsd).GreaterThanOrEqualTo(0).OverridePropertyName("input_usd");
        RuleFor(c => c.UnitCosts.OutputUsd).GreaterThanOrEqualTo(0).OverridePropertyName("output_usd");
        RuleFor(c => c.Actor).Actor();
    }
}
