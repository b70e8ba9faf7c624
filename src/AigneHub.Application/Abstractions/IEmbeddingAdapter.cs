using AigneHub.Application.Embeddings;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// One provider wire protocol for embeddings (OpenAI <c>/embeddings</c>, Gemini <c>:batchEmbedContents</c>, Bedrock
/// Titan <c>InvokeModel</c>), parallel to <see cref="IChatAdapter"/>: stateless about providers and credentials, every
/// call names its target, every upstream failure is an <see cref="Errors.UpstreamException"/>, and the model
/// in the answer is named as the hub names it ("provider/model").
/// </summary>
public interface IEmbeddingAdapter
{
    /// <summary>The protocol's name, as provider profiles name it, e.g. "openai-embeddings".</summary>
    string Protocol { get; }

    Task<EmbeddingResult> EmbedAsync(ProviderTarget target, ProviderEmbeddingRequest request, CancellationToken cancellationToken);
}
