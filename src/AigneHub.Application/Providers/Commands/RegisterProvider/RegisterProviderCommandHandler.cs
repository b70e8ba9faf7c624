using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Providers.Commands.RegisterProvider;

internal sealed class RegisterProviderCommandHandler(IDocumentStore store, TimeProvider time)
    : ICommandHandler<RegisterProviderCommand, ProviderView>
{
    public async ValueTask<ProviderView> Handle(RegisterProviderCommand command, CancellationToken cancellationToken)
    {
        var registered = await EventStreams.StartAsync<ProviderConfig>(store, ProviderStreams.Subject(command.Provider), () => [ProviderDecisions.Register(
            null,
            new NewProvider(
                command.Provider,
                string.IsNullOrWhiteSpace(command.DisplayName) ? Domain.Models.ProviderNames.DisplayNameOf(command.Provider) : command.DisplayName,
                command.BaseUrl,
                command.Region),
            command.Actor,
            time.GetUtcNow())], cancellationToken);
        return ProviderView.From(registered);
    }
}
