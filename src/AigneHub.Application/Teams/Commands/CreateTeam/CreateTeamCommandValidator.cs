using AigneHub.Domain.Teams;

namespace AigneHub.Application.Teams.Commands.CreateTeam;

internal sealed class CreateTeamCommandValidator : AbstractValidator<CreateTeamCommand>
{
    public CreateTeamCommandValidator()
    {
        RuleFor(c => c.TeamId).Id("team_id");
        RuleFor(c => c.Name).NotEmpty().MaximumLength(TeamDecisions.MaxNameLength).OverridePropertyName("name");
        RuleFor(c => c.By.Actor).Actor();
    }
}
