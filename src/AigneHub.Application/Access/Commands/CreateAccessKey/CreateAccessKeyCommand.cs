namespace AigneHub.Application.Access.Commands.CreateAccessKey;

/// <summary>
/// Issues a hub access key for a user; the answer holds the key's text, which is never shown again. The key never
/// gives more than <paramref name="By"/>'s own credential: what the request leaves out (models, addresses, expiry,
/// limits, app) is inherited from it, and asking for more than it holds is refused.
/// </summary>
/// <param name="By">Who asks, with what their key holds.</param>
/// <param name="Token">The key to store; null lets the hub generate one (only the bootstrap seeds a known key).</param>
public sealed record CreateAccessKeyCommand(
    string UserId,
    string? AppId,
    string Name,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> AllowedIps,
    DateTimeOffset? ExpiresAt,
    Caller By,
    Domain.Access.AccessKeyToken? Token = null,
    int? RequestsPerMinute = null,
    int? TokensPerMinute = null) : ICommand<IssuedAccessKey>, AigneHub.Application.Abstractions.IAuditedCommand
{
    public string AuditTarget => $"key:{Token?.KeyId}";
}
