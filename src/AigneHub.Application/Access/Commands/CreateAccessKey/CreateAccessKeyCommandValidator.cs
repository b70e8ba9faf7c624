namespace AigneHub.Application.Access.Commands.CreateAccessKey;

internal sealed class CreateAccessKeyCommandValidator : AbstractValidator<CreateAccessKeyCommand>
{
    public CreateAccessKeyCommandValidator()
    {
        RuleFor(c => c.UserId).Id("user_id");
        RuleFor(c => c.AppId!).Id("app_id").When(c => c.AppId is not null);
        RuleFor(c => c.Name).Name("name");
        RuleFor(c => c.Scopes).Scopes().OverridePropertyName("scopes");
        RuleFor(c => c.Models).ModelPatterns().OverridePropertyName("models");
        RuleFor(c => c.AllowedIps).IpRanges().OverridePropertyName("allowed_ips");
        RuleFor(c => c.By.Actor).Actor();
    }
}
