using AigneHub.Application.Providers.Common;
using Mediator;

namespace AigneHub.Application.Providers.Commands.RemoveCredential;

public sealed record RemoveCredentialCommand(string Provider, int ExpectedVersion, Guid CredentialId, string Actor) : ICommand<ProviderView>, AigneHub.Application.Audit.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";
}
