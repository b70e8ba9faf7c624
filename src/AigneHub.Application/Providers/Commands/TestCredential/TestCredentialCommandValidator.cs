namespace AigneHub.Application.Providers.Commands.TestCredential;

internal sealed class TestCredentialCommandValidator : AbstractValidator<TestCredentialCommand>
{
    public TestCredentialCommandValidator()
    {
        RuleFor(c => c.Provider).KnownProvider().OverridePropertyName("provider");
        RuleFor(c => c.CredentialId).NotEmpty().OverridePropertyName("credential_id");
        RuleFor(c => c.Actor).Actor();
    }
}
