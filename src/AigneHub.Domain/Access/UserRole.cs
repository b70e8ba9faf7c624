namespace AigneHub.Domain.Access;

/// <summary>What a user may do on the hub: owners and admins manage it, members only use it.</summary>
public enum UserRole
{
    Member,
    Admin,
    Owner,
}
