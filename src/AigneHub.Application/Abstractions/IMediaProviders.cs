using AigneHub.Application.Embeddings;
using AigneHub.Application.Images;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// A provider that creates embeddings, as the router sees it: it decides where and as whom (a fixed target, or
/// rotating credentials with failover) and hands the call to the adapter of its protocol.
/// </summary>
public interface IEmbeddingProvider : IProvider
{
    Task<Served<EmbeddingResult>> EmbedAsync(ProviderEmbeddingRequest request, CancellationToken cancellationToken);
}

/// <summary>A provider that generates images; see <see cref="IEmbeddingProvider"/>.</summary>
public interface IImageProvider : IProvider
{
    Task<Served<ImageGenerationResult>> GenerateAsync(ProviderImageRequest request, CancellationToken cancellationToken);
}
