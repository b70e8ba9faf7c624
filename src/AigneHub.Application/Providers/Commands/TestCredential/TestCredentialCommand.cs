namespace AigneHub.Application.Providers.Commands.TestCredential;

/// <summary>
/// Checks a credential against its upstream now and records the result (shown as last_tested_at, last_test_ok,
/// last_error). It changes no setting, so it takes no expected version.
/// </summary>
public sealed record TestCredentialCommand(string Provider, Guid CredentialId, string Actor) : ICommand<ProviderView>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"provider:{Provider}";
}
