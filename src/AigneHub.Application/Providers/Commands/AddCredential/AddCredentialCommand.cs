namespace AigneHub.Application.Providers.Commands.AddCredential;

/// <summary>Adds a credential: an API key, or for bedrock an access key pair. The secret is encrypted before it is stored.</summary>
public sealed record AddCredentialCommand(
    string Provider,
    int ExpectedVersion,
    string Name,
    int Weight,
    string? ApiKey,
    string? AccessKeyId,
    string? SecretAccessKey,
    string Actor) : ICommand<ProviderView>, IProviderChange, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";


    // Records print their members: keep the secrets out of any log line or exception that formats the command.
    public override string ToString() => $"AddCredentialCommand {{ Provider = {Provider}, Name = {Name} }}";
}
