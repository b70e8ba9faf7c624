using System.Runtime.CompilerServices;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Application.Providers.Routing;
using AigneHub.Domain.Usage;

namespace AigneHub.Infrastructure.Providers.Registered;

/// <summary>
/// A provider registered through the admin API, as the call path sees it: one adapter, one endpoint, and its enabled
/// credentials chosen by smooth weighted round-robin. A call that fails on one credential with a retryable error (401/403,
/// 429, 5xx, timeout) moves to the next, up to <see cref="MaxAttempts"/>; a stream only before its first update.
/// </summary>
internal sealed class RegisteredChatProvider : IChatProvider
{
    public const int MaxAttempts = 3;

    private readonly IChatAdapter _adapter;
    private readonly Uri _baseUrl;
    private readonly string? _region;
    private readonly SmoothWeightedRoundRobin<ProviderCredential> _credentials;
    private readonly CredentialHealth _health;
    private readonly CredentialDisabler _disabler;

    public RegisteredChatProvider(
        string name,
        IChatAdapter adapter,
        Uri baseUrl,
        string? region,
        IReadOnlyList<(ProviderCredential Credential, int Weight)> credentials,
        CredentialHealth health,
        CredentialDisabler disabler)
    {
        Name = name;
        _adapter = adapter;
        _baseUrl = baseUrl;
        _region = region;
        _credentials = new SmoothWeightedRoundRobin<ProviderCredential>(credentials);
        _health = health;
        _disabler = disabler;
    }

    public string Name { get; }

    /// <summary>Any model named with this provider's prefix: the upstream decides whether it exists.</summary>
    public bool Serves(string model) => true;

    /// <summary>Whether a bare model name should be routed here (see <see cref="BareModelNames"/>).</summary>
    public bool ServesBare(string model) => BareModelNames.ServesBare(Name, model);

    public async Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var order = Candidates();
        for (var attempt = 0; ; attempt++)
        {
            var credential = order[attempt];
            try
            {
                return await _adapter.CompleteAsync(Target(credential), request, cancellationToken);
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

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var order = Candidates();
        IAsyncEnumerator<ChatCompletionUpdate>? updates = null;
        try
        {
            for (var attempt = 0; updates is null; attempt++)
            {
                var credential = order[attempt];
                var candidate = _adapter.StreamAsync(Target(credential), request, cancellationToken).GetAsyncEnumerator(cancellationToken);
                try
                {
                    if (!await candidate.MoveNextAsync())
                    {
                        await candidate.DisposeAsync();
                        yield break;
                    }

                    updates = candidate;
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
                yield return updates.Current;
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
            : throw new UpstreamException(ErrorKind.UpstreamAuth, Name, $"The {Name} provider has no usable credential: every one is disabled or was refused.");
    }

    private ProviderTarget Target(ProviderCredential credential) => new(Name, _baseUrl, _region, credential);

    private void Learn(ProviderCredential credential, UpstreamException failure)
    {
        if (_health.Report(credential.Id, failure.Kind, failure.RetryAfter) && Guid.TryParse(credential.Id, out var id))
        {
            _disabler.Disable(Name, id, failure.UpstreamStatus);
        }
    }
}
