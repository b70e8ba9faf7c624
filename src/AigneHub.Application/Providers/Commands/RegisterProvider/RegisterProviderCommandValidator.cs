namespace AigneHub.Application.Providers.Commands.RegisterProvider;

internal sealed class RegisterProviderCommandValidator : AbstractValidator<RegisterProviderCommand>
{
    public RegisterProviderCommandValidator()
    {
        RuleFor(c => c.Provider).KnownProvider().OverridePropertyName("provider");
        RuleFor(c => c.DisplayName).MaximumLength(100).OverridePropertyName("display_name");
        RuleFor(c => c.BaseUrl).OptionalHttpUrl().OverridePropertyName("base_url");
        RuleFor(c => c.Region).OptionalRegion().OverridePropertyName("region");
        RuleFor(c => c.Actor).Actor();
    }
}
