using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Chat;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// A provider adapter: speaks one provider's wire protocol. Adapters throw <see cref="Common.Errors.UpstreamException"/>
/// for every upstream failure, and name models as the hub does ("provider/model") in what they return.
/// </summary>
public interface IChatProvider
{
    /// <summary>The provider's name (see <see cref="Domain.Models.ProviderNames"/>).</summary>
    string Name { get; }

    /// <summary>Whether this provider offers the model (its own id, without the hub's prefix).</summary>
    bool Serves(string model);

    Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Streams the answer. Failures before the first update throw from the first MoveNextAsync; disposing the
    /// enumerator early must release the upstream connection (the upstream sees the cancellation).
    /// </summary>
    IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken);
}

/// <param name="Model">The provider's own model id (no hub prefix).</param>
public sealed record ProviderChatRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatSettings Settings);
