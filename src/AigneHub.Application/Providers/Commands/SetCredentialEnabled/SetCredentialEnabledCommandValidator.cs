namespace AigneHub.Application.Providers.Commands.SetCredentialEnabled;

internal sealed class SetCredentialEnabledCommandValidator : AbstractValidator<SetCredentialEnabledCommand>
{
    public SetCredentialEnabledCommandValidator()
    {
        Include(new CredentialChangeValidator());
        RuleFor(c => c.Reason).MaximumLength(500).OverridePropertyName("reason");
        RuleFor(c => c.UpstreamStatus).InclusiveBetween(100, 599).OverridePropertyName("upstream_status");
    }
}
