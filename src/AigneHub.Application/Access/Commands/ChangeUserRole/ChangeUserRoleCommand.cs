using AigneHub.Application.Access.Common;
using AigneHub.Domain.Access;
using Mediator;

namespace AigneHub.Application.Access.Commands.ChangeUserRole;

public sealed record ChangeUserRoleCommand(string UserId, int ExpectedVersion, UserRole Role, string ActorUserId, UserRole ActorRole, string Actor)
    : ICommand<UserView>, AigneHub.Application.Audit.IAuditedCommand
{
    public string AuditTarget => $"user:{UserId}";
}
