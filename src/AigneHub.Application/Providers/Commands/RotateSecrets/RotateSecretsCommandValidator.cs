namespace AigneHub.Application.Providers.Commands.RotateSecrets;

internal sealed class RotateSecretsCommandValidator : AbstractValidator<RotateSecretsCommand>
{
    public RotateSecretsCommandValidator()
    {
        RuleFor(c => c.Actor).Actor();
    }
}
