namespace AigneHub.Application.Access.Commands.ChangeUserRole;

/// <param name="By">Who asks: only an owner makes or unmakes an owner; an admin changes only members' roles.</param>
public sealed record ChangeUserRoleCommand(string UserId, int ExpectedVersion, UserRole Role, Caller By)
    : ICommand<UserView>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"user:{UserId}";
}
