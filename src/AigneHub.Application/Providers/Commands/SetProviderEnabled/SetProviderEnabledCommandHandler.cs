namespace AigneHub.Application.Providers.Commands.SetProviderEnabled;

internal sealed class SetProviderEnabledCommandHandler(IDocumentStore store, TimeProvider time) : ICommandHandler<SetProviderEnabledCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(SetProviderEnabledCommand command, CancellationToken cancellationToken) =>
        await ProviderStreams.ChangeAsync(store, command.Provider, command.ExpectedVersion, current => command.Enabled
                ? ProviderDecisions.Enable(current, command.Actor, time.GetUtcNow())
                : ProviderDecisions.Disable(current, command.Reason ?? "disabled by an operator", command.Actor, time.GetUtcNow()),
            cancellationToken);
}
