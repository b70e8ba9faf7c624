namespace AigneHub.Application.Providers.Commands.UpdateProvider;

internal sealed class UpdateProviderCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<UpdateProviderCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(UpdateProviderCommand command, CancellationToken cancellationToken) =>
        await ProviderStreams.ChangeAsync(store, command.Provider, command.ExpectedVersion, current =>
            [ProviderDecisions.ChangeEndpoint(current, command.BaseUrl, command.Region, command.By.Role, command.Actor, time.GetUtcNow())],
            cancellationToken);
}
