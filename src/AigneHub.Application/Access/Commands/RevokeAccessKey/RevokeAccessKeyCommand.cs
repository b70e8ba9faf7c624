namespace AigneHub.Application.Access.Commands.RevokeAccessKey;

/// <summary>Stops a key for good. Revoking a revoked key changes nothing.</summary>
/// <param name="ExpectedVersion">
/// Optional (0 = any): revoking must never be held up by a stale read when a key leaked, and it cannot undo anyone
/// else's change, so it is safe on whatever version the key is at.
/// </param>
/// <param name="OwnedBy">Set on the self-service route: the key must belong to this user.</param>
/// <param name="By">Who asks: only an owner revokes an owner's keys, an admin those of members and their own.</param>
public sealed record RevokeAccessKeyCommand(string KeyId, int ExpectedVersion, string? Reason, string? OwnedBy, Caller By) : ICommand<AccessKeyView>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"key:{KeyId}";
}
