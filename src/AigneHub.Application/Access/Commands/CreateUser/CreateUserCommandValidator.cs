namespace AigneHub.Application.Access.Commands.CreateUser;

internal sealed class CreateUserCommandValidator : AbstractValidator<CreateUserCommand>
{
    public CreateUserCommandValidator()
    {
        RuleFor(c => c.UserId!).Id("user_id").When(c => c.UserId is not null);
        RuleFor(c => c.DisplayName).Name("display_name");
        RuleFor(c => c.Email).OptionalEmail().OverridePropertyName("email");
        RuleFor(c => c.Role).IsInEnum().WithMessage("role must be owner, admin or member").OverridePropertyName("role");
        RuleFor(c => c.Subject).MaximumLength(500).OverridePropertyName("subject");
        RuleFor(c => c.Actor).Actor();
    }
}
