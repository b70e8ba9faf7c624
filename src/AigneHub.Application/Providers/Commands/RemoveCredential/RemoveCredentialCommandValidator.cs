namespace AigneHub.Application.Providers.Commands.RemoveCredential;

internal sealed class RemoveCredentialCommandValidator : AbstractValidator<RemoveCredentialCommand>
{
    public RemoveCredentialCommandValidator() => Include(new CredentialChangeValidator());
}
