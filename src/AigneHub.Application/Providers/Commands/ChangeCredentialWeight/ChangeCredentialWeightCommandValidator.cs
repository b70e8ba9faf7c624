namespace AigneHub.Application.Providers.Commands.ChangeCredentialWeight;

internal sealed class ChangeCredentialWeightCommandValidator : AbstractValidator<ChangeCredentialWeightCommand>
{
    public ChangeCredentialWeightCommandValidator()
    {
        RuleFor(c => c.Provider).KnownProvider().OverridePropertyName("provider");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.CredentialId).NotEmpty().OverridePropertyName("credential_id");
        RuleFor(c => c.Weight).InclusiveBetween(1, 1000).OverridePropertyName("weight");
        RuleFor(c => c.Actor).Actor();
    }
}
