using AigneHub.Application.Abstractions;

namespace AigneHub.Infrastructure.Providers.Media;

/// <summary>
/// Where and as whom a provider's calls go, for any call type: one fixed target (a provider from configuration) or
/// rotating credentials with failover (a registered provider, <see cref="Registered.CredentialRotation"/>).
/// </summary>
internal interface ICallTargets
{
    string Provider { get; }

    Task<T> CallAsync<T>(Func<ProviderTarget, CancellationToken, Task<T>> call, CancellationToken cancellationToken);
}

/// <summary>Every call goes to the same target: a provider set up from configuration with one key.</summary>
internal sealed class FixedCallTarget(ProviderTarget target) : ICallTargets
{
    public string Provider => target.Provider;

    public Task<T> CallAsync<T>(Func<ProviderTarget, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        Application.Common.Observability.CallAttribution.UseCredential(target.Credential.Id);
        return call(target, cancellationToken);
    }
}
