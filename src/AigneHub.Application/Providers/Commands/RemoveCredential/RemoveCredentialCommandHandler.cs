namespace AigneHub.Application.Providers.Commands.RemoveCredential;

internal sealed class RemoveCredentialCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<RemoveCredentialCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(RemoveCredentialCommand command, CancellationToken cancellationToken) =>
        await ProviderStreams.ChangeAsync(store, command.Provider, command.ExpectedVersion, current =>
            [ProviderDecisions.RemoveCredential(current, command.CredentialId, command.Actor, time.GetUtcNow())],
            cancellationToken);
}
