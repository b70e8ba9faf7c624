using AigneHub.Domain.Usage.Reports;

namespace AigneHub.Application.Access.Commands.CreateUser;

internal sealed class CreateUserCommandValidator : AbstractValidator<CreateUserCommand>
{
    /// <summary>How the hub names the user of an OIDC subject (<c>OidcTokenAuthenticator</c>): only the hub itself creates such users.</summary>
    public const string OidcUserPrefix = "oidc_";

    public CreateUserCommandValidator()
    {
        RuleFor(c => c.UserId!).Id("user_id")
            .Must(id => !UsageReport.IsSharedScope(id))
            .WithMessage($"user_id may not be \"{UsageReport.HubScope}\" nor start with \"{UsageReport.TeamScope(string.Empty)}\": those name the hub's and the teams' usage reports")
            .When(c => c.UserId is not null);
        RuleFor(c => c.UserId!)
            .Must(id => !id.StartsWith(OidcUserPrefix, StringComparison.OrdinalIgnoreCase))
            .WithMessage($"user_id may not start with \"{OidcUserPrefix}\": the hub names the users of OIDC sign-ins so, and one made in advance would take a person's identity before their first sign-in")
            .OverridePropertyName("user_id")
            .When(c => c.UserId is not null && c.ActorRole is not null);
        RuleFor(c => c.DisplayName).Name("display_name");
        RuleFor(c => c.Email).OptionalEmail().OverridePropertyName("email");
        RuleFor(c => c.Role).IsInEnum().WithMessage("role must be owner, admin or member").OverridePropertyName("role");
        RuleFor(c => c.Subject).MaximumLength(500).OverridePropertyName("subject");
        RuleFor(c => c.Actor).Actor();
    }
}
