namespace AigneHub.Application.Providers.Commands.ReviveCredentials;

internal sealed class ReviveCredentialsCommandValidator : AbstractValidator<ReviveCredentialsCommand>
{
    public ReviveCredentialsCommandValidator()
    {
        RuleFor(c => c.FirstBackoff).GreaterThan(TimeSpan.Zero).OverridePropertyName("first_backoff");
        RuleFor(c => c.MaxBackoff).GreaterThanOrEqualTo(c => c.FirstBackoff).OverridePropertyName("max_backoff");
    }
}
