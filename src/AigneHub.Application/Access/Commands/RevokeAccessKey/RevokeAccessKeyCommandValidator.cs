namespace AigneHub.Application.Access.Commands.RevokeAccessKey;

internal sealed class RevokeAccessKeyCommandValidator : AbstractValidator<RevokeAccessKeyCommand>
{
    public RevokeAccessKeyCommandValidator()
    {
        RuleFor(c => c.KeyId).Id("key_id");
        RuleFor(c => c.ExpectedVersion).GreaterThanOrEqualTo(0).OverridePropertyName("expected_version");
        RuleFor(c => c.Reason).MaximumLength(500).OverridePropertyName("reason");
        RuleFor(c => c.By.Actor).Actor();
    }
}
