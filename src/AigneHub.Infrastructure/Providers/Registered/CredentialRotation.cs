using AigneHub.Application.Providers.Routing;

namespace AigneHub.Infrastructure.Providers.Registered;

/// <summary>
/// Where and as whom a registered provider's calls go, whatever the call type (chat, embeddings, images): its
/// endpoint, and its enabled credentials ordered per call by smooth weighted round-robin over their effective weights.
/// A call failing on one credential with a retryable error (401/403, 429, 5xx, timeout) moves to the next, up to
/// <see cref="MaxAttempts"/>, and what the failure taught is applied at once: a refused credential is taken out of the
/// rotation (and disabled for every instance), a rate-limited one cools down.
/// </summary>
internal sealed class CredentialRotation : ICallTargets
{
    public const int MaxAttempts = 3;

    private readonly Uri _baseUrl;
    private readonly string? _region;
    private readonly SmoothWeightedRoundRobin<ProviderCredential> _credentials;
    private readonly CredentialHealth _health;
    private readonly CredentialDisabler _disabler;

    public CredentialRotation(
        string provider,
        Uri baseUrl,
        string? region,
        IReadOnlyList<(ProviderCredential Credential, int Weight)> credentials,
        CredentialHealth health,
        CredentialDisabler disabler)
    {
        Provider = provider;
        _baseUrl = baseUrl;
        _region = region;
        _credentials = new SmoothWeightedRoundRobin<ProviderCredential>(credentials);
        _health = health;
        _disabler = disabler;
    }

    public string Provider { get; }

    public async Task<Served<T>> CallAsync<T>(Func<ProviderTarget, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var order = Candidates();
        for (var attempt = 0; ; attempt++)
        {
            var credential = order[attempt];
            try
            {
                return new(await call(Target(credential), cancellationToken), credential.Id);
            }
            catch (UpstreamException ex) when (ex.WithCredential(credential.Id))
            {
                throw;
            }
            catch (UpstreamException ex) when (ex.IsRetryable)
            {
                Learn(credential, ex);
                if (attempt + 1 >= Math.Min(order.Count, MaxAttempts))
                {
                    throw;
                }
            }
        }
    }

    /// <summary>Streams from the first credential whose stream yields an update; once one has, there is no more failover.</summary>
    public async IAsyncEnumerable<Served<T>> StreamAsync<T>(Func<ProviderTarget, CancellationToken, IAsyncEnumerable<T>> open, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var order = Candidates();
        IAsyncEnumerator<T>? updates = null;
        string? credentialId = null;
        try
        {
            for (var attempt = 0; updates is null; attempt++)
            {
                var credential = order[attempt];
                var candidate = open(Target(credential), cancellationToken).GetAsyncEnumerator(cancellationToken);
                try
                {
                    if (!await candidate.MoveNextAsync())
                    {
                        await candidate.DisposeAsync();
                        yield break;
                    }

                    updates = candidate;
                    credentialId = credential.Id;
                }
                catch (UpstreamException ex) when (ex.WithCredential(credential.Id))
                {
                    throw;
                }
                catch (UpstreamException ex) when (ex.IsRetryable)
                {
                    await candidate.DisposeAsync();
                    Learn(credential, ex);
                    if (attempt + 1 >= Math.Min(order.Count, MaxAttempts))
                    {
                        throw;
                    }
                }
                catch
                {
                    await candidate.DisposeAsync();
                    throw;
                }
            }

            // Once the first update exists it goes to the client: no more retries from here.
            do
            {
                yield return new(updates.Current, credentialId);
            }
            while (await updates.MoveNextAsync());
        }
        finally
        {
            if (updates is not null)
            {
                await updates.DisposeAsync();
            }
        }
    }

    private IReadOnlyList<ProviderCredential> Candidates()
    {
        var order = _credentials.Order((credential, weight) => _health.EffectiveWeight(credential.Id, weight));
        return order.Count > 0
            ? order
            : throw new UpstreamException(ErrorKind.UpstreamAuth, Provider, $"The {Provider} provider has no usable credential: every one is disabled or was refused.");
    }

    private ProviderTarget Target(ProviderCredential credential) => new(Provider, _baseUrl, _region, credential);

    private void Learn(ProviderCredential credential, UpstreamException failure)
    {
        if (_health.Report(credential.Id, failure.Kind, failure.RetryAfter) && Guid.TryParse(credential.Id, out var id))
        {
            _disabler.Disable(Provider, id, failure.UpstreamStatus);
        }
    }
}
