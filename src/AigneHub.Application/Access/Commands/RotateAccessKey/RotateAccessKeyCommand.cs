using AigneHub.Application.Access.Common;
using Mediator;

namespace AigneHub.Application.Access.Commands.RotateAccessKey;

/// <summary>Gives a key a new secret (the old one stops working); the answer holds the new text, shown once.</summary>
/// <param name="OwnedBy">Set on the self-service route: the key must belong to this user.</param>
public sealed record RotateAccessKeyCommand(string KeyId, int ExpectedVersion, string? OwnedBy, string Actor) : ICommand<IssuedAccessKey>, AigneHub.Application.Audit.IAuditedCommand
{
    public string AuditTarget => $"key:{KeyId}";
}
