namespace AigneHub.Application.Access.Commands.CreateUser;

/// <summary>An admin (or the hub itself) creates a user.</summary>
/// <param name="UserId">The new user's id; null lets the hub choose one.</param>
/// <param name="ActorRole">The role of whoever asks: only owners create owners. Null for the hub itself.</param>
public sealed record CreateUserCommand(string? UserId, string DisplayName, string? Email, UserRole Role, string? Subject, string Actor, UserRole? ActorRole)
    : ICommand<UserView>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"user:{UserId}";
}
