namespace AigneHub.Application.Providers.Commands.UpdateProvider;

internal sealed class UpdateProviderCommandValidator : AbstractValidator<UpdateProviderCommand>
{
    public UpdateProviderCommandValidator()
    {
        Include(new ProviderChangeValidator());
        RuleFor(c => c.BaseUrl).OptionalHttpUrl().OverridePropertyName("base_url");
        RuleFor(c => c.Region).OptionalRegion().OverridePropertyName("region");
    }
}
