namespace AigneHub.Application.Abstractions;

/// <summary>
/// Recognises an OAuth 2.0 / OIDC bearer token (a JWT from the configured issuer) and the hub user it stands for,
/// creating that user on first sight.
/// </summary>
public interface IBearerTokenAuthenticator
{
    /// <summary>Whether an issuer is configured; without one only hub access keys are accepted.</summary>
    bool IsEnabled { get; }

    ValueTask<KeyAuthentication> AuthenticateAsync(string token, CancellationToken cancellationToken);
}
