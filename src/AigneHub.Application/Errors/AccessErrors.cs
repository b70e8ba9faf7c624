namespace AigneHub.Application.Errors;

/// <summary>Who is calling is unknown: no credential, or one that is malformed, unknown, revoked or expired (401).</summary>
public sealed class AuthenticationRequiredException(string message) : HubException(ErrorKind.Unauthenticated, message);

/// <summary>The caller is known but may not do this: a scope, role, model or address rule (403).</summary>
/// <param name="Field">The request field the refusal is about ("model"), when there is one.</param>
public sealed class PermissionDeniedException(string message, string? field = null) : HubException(ErrorKind.PermissionDenied, message)
{
    public string? Field { get; } = field;
}
