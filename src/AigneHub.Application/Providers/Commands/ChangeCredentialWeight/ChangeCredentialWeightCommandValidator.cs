namespace AigneHub.Application.Providers.Commands.ChangeCredentialWeight;

internal sealed class ChangeCredentialWeightCommandValidator : AbstractValidator<ChangeCredentialWeightCommand>
{
    public ChangeCredentialWeightCommandValidator()
    {
        Include(new CredentialChangeValidator());
        RuleFor(c => c.Weight).InclusiveBetween(1, 1000).OverridePropertyName("weight");
    }
}
