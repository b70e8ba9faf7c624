namespace AigneHub.Application.Providers.Commands.TestCredential;

internal sealed class TestCredentialCommandHandler(IDocumentStore store, CredentialChecks checks) : ICommandHandler<TestCredentialCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(TestCredentialCommand command, CancellationToken cancellationToken)
    {
        var config = await ProviderStreams.LoadConfigAsync(store, command.Provider, cancellationToken);
        var credential = config.Credential(command.CredentialId)
            ?? throw new ResourceNotFoundException("credential_id", $"The provider '{command.Provider}' has no credential {command.CredentialId}.");
        var result = await checks.ProbeAsync(config, credential, cancellationToken)
            ?? throw new RequestValidationException([new FieldViolation("provider", $"The hub cannot test {command.Provider} credentials yet.")]);
        return await checks.RecordAsync(command.Provider, command.CredentialId, result, command.Actor, cancellationToken);
    }
}
