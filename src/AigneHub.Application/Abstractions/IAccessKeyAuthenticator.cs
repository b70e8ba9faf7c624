using System.Net;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// Recognises a hub access key on the call path, from memory: the keys are cached and the cache follows the key
/// streams of every instance within seconds.
/// </summary>
public interface IAccessKeyAuthenticator
{
    ValueTask<KeyAuthentication> AuthenticateAsync(AccessKeyToken token, IPAddress? remoteAddress, CancellationToken cancellationToken);
}

public enum KeyRefusal
{
    None,

    /// <summary>No such key, or the secret does not match (told apart from nothing, so a guesser learns nothing).</summary>
    Unknown,

    Revoked,

    Expired,

    /// <summary>The key's IP allow-list does not hold the caller's address (403, not 401: the key is genuine).</summary>
    AddressNotAllowed,

    /// <summary>The credential is genuine but its user is disabled (403).</summary>
    UserDisabled,
}

/// <summary>The caller the key stands for, or why it was refused (with a message safe to show).</summary>
public sealed record KeyAuthentication(Caller? Caller, KeyRefusal Refusal, string Message)
{
    public static KeyAuthentication Accepted(Caller caller) => new(caller, KeyRefusal.None, string.Empty);

    public static KeyAuthentication Refused(KeyRefusal refusal, string message) => new(null, refusal, message);
}
