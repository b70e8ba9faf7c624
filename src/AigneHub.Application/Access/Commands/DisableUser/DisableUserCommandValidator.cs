namespace AigneHub.Application.Access.Commands.DisableUser;

internal sealed class DisableUserCommandValidator : AbstractValidator<DisableUserCommand>
{
    public DisableUserCommandValidator()
    {
        RuleFor(c => c.UserId).Id("user_id");
        RuleFor(c => c.ExpectedVersion).GreaterThanOrEqualTo(0).OverridePropertyName("expected_version");
        RuleFor(c => c.Reason).MaximumLength(500).OverridePropertyName("reason");
        RuleFor(c => c.By.Actor).Actor();
    }
}
