namespace AigneHub.Application.Providers.Commands.SetCredentialEnabled;

internal sealed class SetCredentialEnabledCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<SetCredentialEnabledCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(SetCredentialEnabledCommand command, CancellationToken cancellationToken) =>
        await ProviderStreams.ChangeAsync(store, command.Provider, command.ExpectedVersion, current => command.Enabled
                ? ProviderDecisions.EnableCredential(current, command.CredentialId, command.Actor, time.GetUtcNow())
                : ProviderDecisions.DisableCredential(
                    current, command.CredentialId, command.Reason ?? "disabled by an operator", command.UpstreamStatus, command.Actor, time.GetUtcNow()),
            cancellationToken);
}
