namespace AigneHub.Application.Providers.Commands.ChangeCredentialWeight;

internal sealed class ChangeCredentialWeightCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<ChangeCredentialWeightCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(ChangeCredentialWeightCommand command, CancellationToken cancellationToken) =>
        await ProviderStreams.ChangeAsync(store, command.Provider, command.ExpectedVersion, current =>
            [ProviderDecisions.ChangeWeight(current, command.CredentialId, command.Weight, command.Actor, time.GetUtcNow())],
            cancellationToken);
}
