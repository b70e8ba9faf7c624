namespace AigneHub.Application.Access.Commands.RegisterApp;

/// <summary>Registers an app (a client id) under a user, so keys can be issued for it.</summary>
/// <param name="By">Who asks: an admin registers apps for members and for themselves, only an owner for an owner.</param>
public sealed record RegisterAppCommand(string UserId, int ExpectedVersion, string AppId, string Name, Caller By) : ICommand<UserView>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"user:{UserId}";
}
