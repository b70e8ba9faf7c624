namespace AigneHub.Application.Access.Commands.ChangeUserRole;

internal sealed class ChangeUserRoleCommandValidator : AbstractValidator<ChangeUserRoleCommand>
{
    public ChangeUserRoleCommandValidator()
    {
        RuleFor(c => c.UserId).Id("user_id");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.Role).IsInEnum().WithMessage("role must be owner, admin or member").OverridePropertyName("role");
        RuleFor(c => c.By.Actor).Actor();
    }
}
