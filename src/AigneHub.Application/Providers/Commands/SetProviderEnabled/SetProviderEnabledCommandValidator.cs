namespace AigneHub.Application.Providers.Commands.SetProviderEnabled;

internal sealed class SetProviderEnabledCommandValidator : AbstractValidator<SetProviderEnabledCommand>
{
    public SetProviderEnabledCommandValidator()
    {
        RuleFor(c => c.Provider).KnownProvider().OverridePropertyName("provider");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.Reason).MaximumLength(500).OverridePropertyName("reason");
        RuleFor(c => c.Actor).Actor();
    }
}
