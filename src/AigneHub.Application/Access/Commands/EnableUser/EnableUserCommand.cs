namespace AigneHub.Application.Access.Commands.EnableUser;

/// <summary>Gives a disabled user their keys and bearer tokens back. Enabling an enabled user changes nothing.</summary>
/// <param name="ExpectedVersion">Optional (0 = any), as for disabling.</param>
/// <param name="By">Who asks: an admin enables members, only an owner admins and owners.</param>
public sealed record EnableUserCommand(string UserId, int ExpectedVersion, Caller By) : ICommand<UserView>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"user:{UserId}";
}
