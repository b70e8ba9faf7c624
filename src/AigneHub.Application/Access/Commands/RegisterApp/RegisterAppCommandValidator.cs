namespace AigneHub.Application.Access.Commands.RegisterApp;

internal sealed class RegisterAppCommandValidator : AbstractValidator<RegisterAppCommand>
{
    public RegisterAppCommandValidator()
    {
        RuleFor(c => c.UserId).Id("user_id");
        RuleFor(c => c.ExpectedVersion).ExpectedVersion().OverridePropertyName("expected_version");
        RuleFor(c => c.AppId).Id("app_id");
        RuleFor(c => c.Name).Name("name");
        RuleFor(c => c.By.Actor).Actor();
    }
}
