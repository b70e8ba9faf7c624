namespace AigneHub.Application.Teams.Commands.SetTeamMember;

internal sealed class SetTeamMemberCommandValidator : AbstractValidator<SetTeamMemberCommand>
{
    public SetTeamMemberCommandValidator()
    {
        RuleFor(c => c.TeamId).Id("team_id");
        RuleFor(c => c.UserId).Id("user_id");
        RuleFor(c => c.Role).IsInEnum().OverridePropertyName("role");
        RuleFor(c => c.By.Actor).Actor();
    }
}
