namespace AigneHub.Application.Teams.Commands.CreateTeamKey;

internal sealed class CreateTeamKeyCommandValidator : AbstractValidator<CreateTeamKeyCommand>
{
    public CreateTeamKeyCommandValidator()
    {
        RuleFor(c => c.TeamId).Id("team_id");
        RuleFor(c => c.UserId).Id("user_id");
        RuleFor(c => c.Name).NotEmpty().MaximumLength(100).OverridePropertyName("name");
        RuleFor(c => c.Scopes).Scopes().OverridePropertyName("scopes");
        RuleFor(c => c.Models).ModelPatterns().OverridePropertyName("models");
        RuleFor(c => c.By.Actor).Actor();
    }
}
