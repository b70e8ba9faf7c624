namespace AigneHub.Application.Providers.Commands.ChangeCredentialWeight;

/// <summary>A credential's share of its provider's calls, relative to the others' weights.</summary>
public sealed record ChangeCredentialWeightCommand(string Provider, int ExpectedVersion, Guid CredentialId, int Weight, string Actor) : ICommand<ProviderView>, ICredentialChange, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";
}
