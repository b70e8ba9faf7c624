namespace AigneHub.Application.Billing.Rates.Commands.SetModelRate;

internal sealed class SetModelRateCommandValidator : AbstractValidator<SetModelRateCommand>
{
    public SetModelRateCommandValidator()
    {
        RuleFor(c => c.Type).IsInEnum().OverridePropertyName("type");
        RuleFor(c => c.Provider).RatedProvider().OverridePropertyName("provider");
        RuleFor(c => c.Model).ModelId().OverridePropertyName("model");
        RuleFor(c => c.Actor).Actor();
    }
}
