namespace AigneHub.Application.Providers.Commands.RemoveCredential;

public sealed record RemoveCredentialCommand(string Provider, int ExpectedVersion, Guid CredentialId, string Actor) : ICommand<ProviderView>, ICredentialChange, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";
}
