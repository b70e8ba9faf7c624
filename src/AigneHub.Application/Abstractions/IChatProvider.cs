using AigneHub.Domain.Chat;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// A provider adapter: speaks one provider's wire protocol. Adapters throw <see cref="Errors.UpstreamException"/>
/// for every upstream failure, and name models as the hub does ("provider/model") in what they return.
/// </summary>
public interface IChatProvider : IProvider
{
    /// <summary>Whether this provider offers the model (its own id, without the hub's prefix).</summary>
    bool Serves(string model);

    Task<Served<ChatCompletion>> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Streams the answer, each update with the credential that is streaming it. Failures before the first update
    /// throw from the first MoveNextAsync; disposing the enumerator early must release the upstream connection (the
    /// upstream sees the cancellation).
    /// </summary>
    IAsyncEnumerable<Served<ChatCompletionUpdate>> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken);
}

/// <param name="Model">The provider's own model id (no hub prefix).</param>
public sealed record ProviderChatRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatSettings Settings);

/// <summary>A provider as the inference call sees it, whatever it is called for (chat, embeddings, images).</summary>
public interface IProvider
{
    /// <summary>The provider's name (see <see cref="Domain.Models.ProviderNames"/>).</summary>
    string Name { get; }
}

/// <summary>
/// What a provider answered, and the credential that answered it: the call record names that credential. Null when the
/// provider has none (the demo).
/// </summary>
public readonly record struct Served<T>(T Value, string? CredentialId);
