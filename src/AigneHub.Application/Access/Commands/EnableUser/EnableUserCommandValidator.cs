namespace AigneHub.Application.Access.Commands.EnableUser;

internal sealed class EnableUserCommandValidator : AbstractValidator<EnableUserCommand>
{
    public EnableUserCommandValidator()
    {
        RuleFor(c => c.UserId).Id("user_id");
        RuleFor(c => c.ExpectedVersion).GreaterThanOrEqualTo(0).OverridePropertyName("expected_version");
        RuleFor(c => c.By.Actor).Actor();
    }
}
