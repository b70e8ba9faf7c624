using AigneHub.Application.Access.Common;
using Mediator;

namespace AigneHub.Application.Access.Commands.RegisterApp;

/// <summary>Registers an app (a client id) under a user, so keys can be issued for it.</summary>
public sealed record RegisterAppCommand(string UserId, int ExpectedVersion, string AppId, string Name, string Actor) : ICommand<UserView>, AigneHub.Application.Audit.IAuditedCommand
{
    public string AuditTarget => $"user:{UserId}";
}
