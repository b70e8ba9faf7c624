using AigneHub.Application.Abstractions;
using AigneHub.Application.Embeddings.Common;
using AigneHub.Application.Images.Common;

namespace AigneHub.Infrastructure.Providers.Media;

/// <summary>A provider's embeddings: its targets (fixed, or rotating credentials) and the adapter of its embedding protocol.</summary>
internal sealed class RoutedEmbeddingProvider(ICallTargets targets, IEmbeddingAdapter adapter) : IEmbeddingProvider
{
    public string Name => targets.Provider;

    public Task<EmbeddingResult> EmbedAsync(ProviderEmbeddingRequest request, CancellationToken cancellationToken) =>
        targets.CallAsync((target, ct) => adapter.EmbedAsync(target, request, ct), cancellationToken);
}

/// <summary>A provider's image generation: its targets and the adapter of its image protocol.</summary>
internal sealed class RoutedImageProvider(ICallTargets targets, IImageAdapter adapter) : IImageProvider
{
    public string Name => targets.Provider;

    public Task<ImageGenerationResult> GenerateAsync(ProviderImageRequest request, CancellationToken cancellationToken) =>
        targets.CallAsync((target, ct) => adapter.GenerateAsync(target, request, ct), cancellationToken);
}
