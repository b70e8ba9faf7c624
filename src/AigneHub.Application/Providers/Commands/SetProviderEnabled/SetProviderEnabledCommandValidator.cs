namespace AigneHub.Application.Providers.Commands.SetProviderEnabled;

internal sealed class SetProviderEnabledCommandValidator : AbstractValidator<SetProviderEnabledCommand>
{
    public SetProviderEnabledCommandValidator()
    {
        Include(new ProviderChangeValidator());
        RuleFor(c => c.Reason).MaximumLength(500).OverridePropertyName("reason");
    }
}
