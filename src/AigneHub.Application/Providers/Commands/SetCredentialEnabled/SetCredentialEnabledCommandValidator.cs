namespace AigneHub.Application.Providers.Commands.SetCredentialEnabled;

internal sealed class SetCredentialEnabledCommandValidator : AbstractValidator<SetCredentialEnabledCommand>
{
    public SetCredentialEnabledCommandValidator()
    {
        RuleFor(c => c.Provider).KnownProvider().OverridePropertyName("provider");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.CredentialId).NotEmpty().OverridePropertyName("credential_id");
        RuleFor(c => c.Reason).MaximumLength(500).OverridePropertyName("reason");
        RuleFor(c => c.UpstreamStatus).InclusiveBetween(100, 599).OverridePropertyName("upstream_status");
        RuleFor(c => c.Actor).Actor();
    }
}
