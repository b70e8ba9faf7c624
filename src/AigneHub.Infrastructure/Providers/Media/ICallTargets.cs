using System.Runtime.CompilerServices;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Common.Errors;

namespace AigneHub.Infrastructure.Providers.Media;

/// <summary>
/// Where and as whom a provider's calls go, for any call type: one fixed target (a provider from configuration) or
/// rotating credentials with failover (a registered provider, <see cref="Registered.CredentialRotation"/>). What a
/// call returns comes back with the credential that answered it.
/// </summary>
internal interface ICallTargets
{
    string Provider { get; }

    Task<Served<T>> CallAsync<T>(Func<ProviderTarget, CancellationToken, Task<T>> call, CancellationToken cancellationToken);

    IAsyncEnumerable<Served<T>> StreamAsync<T>(Func<ProviderTarget, CancellationToken, IAsyncEnumerable<T>> open, CancellationToken cancellationToken);
}

/// <summary>Every call goes to the same target: a provider set up from configuration with one key.</summary>
internal sealed class FixedCallTarget(ProviderTarget target) : ICallTargets
{
    public string Provider => target.Provider;

    /// <summary>The target every call goes to (its credential's <see cref="ProviderCredential.ToString"/> is masked).</summary>
    public ProviderTarget Target => target;

    public async Task<Served<T>> CallAsync<T>(Func<ProviderTarget, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return new(await call(target, cancellationToken), target.Credential.Id);
        }
        catch (UpstreamException ex) when (ex.WithCredential(target.Credential.Id))
        {
            throw;
        }
    }

    public async IAsyncEnumerable<Served<T>> StreamAsync<T>(
        Func<ProviderTarget, CancellationToken, IAsyncEnumerable<T>> open, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var updates = open(target, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await NextAsync(updates))
        {
            yield return new(updates.Current, target.Credential.Id);
        }
    }

    private async ValueTask<bool> NextAsync<T>(IAsyncEnumerator<T> updates)
    {
        try
        {
            return await updates.MoveNextAsync();
        }
        catch (UpstreamException ex) when (ex.WithCredential(target.Credential.Id))
        {
            throw;
        }
    }
}
