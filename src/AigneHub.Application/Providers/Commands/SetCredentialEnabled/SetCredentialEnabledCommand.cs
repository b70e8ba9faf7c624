namespace AigneHub.Application.Providers.Commands.SetCredentialEnabled;

/// <param name="UpstreamStatus">Set when the hub itself disables a credential the upstream refused (401/403).</param>
public sealed record SetCredentialEnabledCommand(
    string Provider,
    int ExpectedVersion,
    Guid CredentialId,
    bool Enabled,
    string? Reason,
    int? UpstreamStatus,
    string Actor) : ICommand<ProviderView>, ICredentialChange, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";
}
