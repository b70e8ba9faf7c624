using AigneHub.Application.EventSourcing;

namespace AigneHub.Application.Access.Commands.RegisterApp;

internal sealed class RegisterAppCommandHandler(IDocumentStore store, TimeProvider time, IKeyLimitDefaults limits) : ICommandHandler<RegisterAppCommand, UserView>
{
    public async ValueTask<UserView> Handle(RegisterAppCommand command, CancellationToken cancellationToken)
    {
        var by = Delegators.From(command.By, limits);
        return UserView.From(await EventStreams.ChangeAsync<HubUser>(store, AccessStreams.User(command.UserId), command.ExpectedVersion, user =>
            [AccessDecisions.RegisterApp(user, command.AppId, command.Name, by, time.GetUtcNow())],
            cancellationToken));
    }
}
