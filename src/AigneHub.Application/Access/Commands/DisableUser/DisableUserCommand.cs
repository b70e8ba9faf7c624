namespace AigneHub.Application.Access.Commands.DisableUser;

/// <summary>Stops every key and bearer token of a user until they are enabled again. Disabling a disabled user changes nothing.</summary>
/// <param name="ExpectedVersion">
/// Optional (0 = any): like revoking a key, cutting a user off must never be held up by a stale read, and it undoes
/// nobody else's change.
/// </param>
/// <param name="By">Who asks: nobody disables themselves; an admin disables members, only an owner admins and owners.</param>
public sealed record DisableUserCommand(string UserId, int ExpectedVersion, string? Reason, Caller By) : ICommand<UserView>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"user:{UserId}";
}
