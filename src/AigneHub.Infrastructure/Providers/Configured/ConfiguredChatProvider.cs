using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Observability;

namespace AigneHub.Infrastructure.Providers.Configured;

/// <summary>
/// A provider set up from configuration: one fixed target (base URL and key from "Providers:&lt;Name&gt;") handed to
/// the adapter of the provider's protocol on every call. The adapter does the work; this only decides which models
/// the provider is offered.
/// </summary>
internal sealed class ConfiguredChatProvider : IChatProvider
{
    private readonly IChatAdapter _adapter;
    private readonly ProviderTarget _target;
    private readonly HashSet<string>? _models;

    /// <param name="models">Bare model names the provider serves; empty means every name.</param>
    public ConfiguredChatProvider(IChatAdapter adapter, ProviderTarget target, IReadOnlyCollection<string> models)
    {
        _adapter = adapter;
        _target = target;
        _models = models.Count == 0 ? null : new HashSet<string>(models, StringComparer.Ordinal);
    }

    public string Name => _target.Provider;

    /// <summary>The target every call goes to (its credential's <see cref="ProviderCredential.ToString"/> is masked).</summary>
    internal ProviderTarget Target => _target;

    public bool Serves(string model) => _models is null || _models.Contains(model);

    /// <summary>The models configured for this provider; empty when it is offered every name.</summary>
    internal IReadOnlyCollection<string> Models => (IReadOnlyCollection<string>?)_models ?? [];

    public Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken)
    {
        CallAttribution.UseCredential(_target.Credential.Id);
        return _adapter.CompleteAsync(_target, request, cancellationToken);
    }

    public IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken)
    {
        CallAttribution.UseCredential(_target.Credential.Id);
        return _adapter.StreamAsync(_target, request, cancellationToken);
    }
}
