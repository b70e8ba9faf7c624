namespace AigneHub.Application.Providers.Commands.UpdateProvider;

internal sealed class UpdateProviderCommandValidator : AbstractValidator<UpdateProviderCommand>
{
    public UpdateProviderCommandValidator()
    {
        RuleFor(c => c.Provider).KnownProvider().OverridePropertyName("provider");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.BaseUrl).OptionalHttpUrl().OverridePropertyName("base_url");
        RuleFor(c => c.Region).OptionalRegion().OverridePropertyName("region");
        RuleFor(c => c.Actor).Actor();
    }
}
