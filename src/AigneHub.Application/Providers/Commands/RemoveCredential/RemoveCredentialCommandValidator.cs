namespace AigneHub.Application.Providers.Commands.RemoveCredential;

internal sealed class RemoveCredentialCommandValidator : AbstractValidator<RemoveCredentialCommand>
{
    public RemoveCredentialCommandValidator()
    {
        RuleFor(c => c.Provider).KnownProvider().OverridePropertyName("provider");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.CredentialId).NotEmpty().OverridePropertyName("credential_id");
        RuleFor(c => c.Actor).Actor();
    }
}
