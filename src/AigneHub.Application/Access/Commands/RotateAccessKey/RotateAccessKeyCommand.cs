namespace AigneHub.Application.Access.Commands.RotateAccessKey;

/// <summary>
/// Gives a key a new secret (the old one stops working); the answer holds the new text, shown once. Whoever gets the
/// secret gets everything the key gives, so <paramref name="By"/> must hold at least that.
/// </summary>
/// <param name="OwnedBy">Set on the self-service route: the key must belong to this user.</param>
/// <param name="By">Who asks, with what their key holds.</param>
public sealed record RotateAccessKeyCommand(string KeyId, int ExpectedVersion, string? OwnedBy, Caller By) : ICommand<IssuedAccessKey>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"key:{KeyId}";
}
