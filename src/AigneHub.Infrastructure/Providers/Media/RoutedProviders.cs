using AigneHub.Application.Embeddings;
using AigneHub.Application.Images;
using AigneHub.Infrastructure.Providers.Registered;

namespace AigneHub.Infrastructure.Providers.Media;

/// <summary>
/// A provider's chat, configured or registered alike: its targets (one fixed target, or rotating credentials with
/// failover) and the adapter of its chat protocol. What differs is only which model names it is offered.
/// </summary>
internal sealed class RoutedChatProvider : IChatProvider
{
    private readonly IChatAdapter _adapter;
    private readonly HashSet<string>? _models;
    private readonly bool _registered;

    private RoutedChatProvider(ICallTargets targets, IChatAdapter adapter, IReadOnlyCollection<string> models, bool registered)
    {
        Targets = targets;
        _adapter = adapter;
        _models = models.Count == 0 ? null : new HashSet<string>(models, StringComparer.Ordinal);
        _registered = registered;
    }

    /// <summary>A provider set up from configuration: one fixed target, offered <paramref name="models"/> (bare names; empty means every name).</summary>
    public static RoutedChatProvider Configured(IChatAdapter adapter, ProviderTarget target, IReadOnlyCollection<string> models) =>
        new(new FixedCallTarget(target), adapter, models, registered: false);

    /// <summary>A provider registered through the admin API: its credential rotation, shared with its embedding and image calls.</summary>
    public static RoutedChatProvider Registered(IChatAdapter adapter, CredentialRotation rotation) =>
        new(rotation, adapter, [], registered: true);

    public string Name => Targets.Provider;

    /// <summary>Where and as whom its calls go; its other call types go the same way.</summary>
    public ICallTargets Targets { get; }

    /// <summary>The models configured for this provider; empty when it is offered every name.</summary>
    public IReadOnlyCollection<string> Models => (IReadOnlyCollection<string>?)_models ?? [];

    /// <summary>
    /// Whether this provider offers the model (its own id): a configured provider its configured models (or every
    /// name), a registered one any model named with its prefix (the upstream decides whether it exists).
    /// </summary>
    public bool Serves(string model) => _models is null || _models.Contains(model);

    /// <summary>Whether a bare model name should be routed here: for a registered provider see <see cref="BareModelNames"/>.</summary>
    public bool ServesBare(string model) => _registered ? BareModelNames.ServesBare(Name, model) : Serves(model);

    public Task<Served<ChatCompletion>> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken) =>
        Targets.CallAsync((target, ct) => _adapter.CompleteAsync(target, request, ct), cancellationToken);

    public IAsyncEnumerable<Served<ChatCompletionUpdate>> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken) =>
        Targets.StreamAsync((target, ct) => _adapter.StreamAsync(target, request, ct), cancellationToken);
}

/// <summary>A provider's embeddings: its targets (fixed, or rotating credentials) and the adapter of its embedding protocol.</summary>
internal sealed class RoutedEmbeddingProvider(ICallTargets targets, IEmbeddingAdapter adapter) : IEmbeddingProvider
{
    public string Name => targets.Provider;

    public Task<Served<EmbeddingResult>> EmbedAsync(ProviderEmbeddingRequest request, CancellationToken cancellationToken) =>
        targets.CallAsync((target, ct) => adapter.EmbedAsync(target, request, ct), cancellationToken);
}

/// <summary>
/// A provider's image generation, and editing where its protocol has an edit call: its targets and the adapter of its
/// image protocol.
/// </summary>
internal sealed class RoutedImageProvider(ICallTargets targets, IImageAdapter adapter) : IImageProvider, IImageEditor
{
    public string Name => targets.Provider;

    public Task<Served<ImageGenerationResult>> GenerateAsync(ProviderImageRequest request, CancellationToken cancellationToken) =>
        targets.CallAsync((target, ct) => adapter.GenerateAsync(target, request, ct), cancellationToken);

    public bool CanEdit(string model) => adapter is IImageEditAdapter editor && editor.CanEdit(targets.Provider, model);

    public Task<Served<ImageGenerationResult>> EditAsync(ProviderImageEditRequest request, CancellationToken cancellationToken) =>
        adapter is IImageEditAdapter editor
            ? targets.CallAsync((target, ct) => editor.EditAsync(target, request, ct), cancellationToken)
            : throw new NotSupportedException($"The {targets.Provider} provider's image protocol has no edit call.");
}

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
