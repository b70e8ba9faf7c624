using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;

namespace AigneHub.Infrastructure.Providers.Registered;

/// <summary>
/// A provider registered through the admin API, as the chat path sees it: one adapter, and the provider's
/// <see cref="CredentialRotation"/> (shared with its embedding and image calls) to choose credentials and fail over
/// between them; a stream only before its first update.
/// </summary>
internal sealed class RegisteredChatProvider : IChatProvider
{
    public const int MaxAttempts = CredentialRotation.MaxAttempts;

    private readonly IChatAdapter _adapter;

    public RegisteredChatProvider(
        string name,
        IChatAdapter adapter,
        Uri baseUrl,
        string? region,
        IReadOnlyList<(ProviderCredential Credential, int Weight)> credentials,
        CredentialHealth health,
        CredentialDisabler disabler)
        : this(adapter, new CredentialRotation(name, baseUrl, region, credentials, health, disabler))
    {
    }

    public RegisteredChatProvider(IChatAdapter adapter, CredentialRotation rotation)
    {
        _adapter = adapter;
        Rotation = rotation;
    }

    public string Name => Rotation.Provider;

    /// <summary>The provider's credentials and what this instance learned about them; its other call types use the same.</summary>
    public CredentialRotation Rotation { get; }

    /// <summary>Any model named with this provider's prefix: the upstream decides whether it exists.</summary>
    public bool Serves(string model) => true;

    /// <summary>Whether a bare model name should be routed here (see <see cref="BareModelNames"/>).</summary>
    public bool ServesBare(string model) => BareModelNames.ServesBare(Name, model);

    public Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken) =>
        Rotation.CallAsync((target, ct) => _adapter.CompleteAsync(target, request, ct), cancellationToken);

    public IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken) =>
        Rotation.StreamAsync((target, ct) => _adapter.StreamAsync(target, request, ct), cancellationToken);
}
