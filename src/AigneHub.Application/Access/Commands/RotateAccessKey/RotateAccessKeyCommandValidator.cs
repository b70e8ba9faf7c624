namespace AigneHub.Application.Access.Commands.RotateAccessKey;

internal sealed class RotateAccessKeyCommandValidator : AbstractValidator<RotateAccessKeyCommand>
{
    public RotateAccessKeyCommandValidator()
    {
        RuleFor(c => c.KeyId).Id("key_id");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.By.Actor).Actor();
    }
}
