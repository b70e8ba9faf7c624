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

/// <summary>
/// A provider's image generation, and editing where its protocol has an edit call: its targets and the adapter of its
/// image protocol.
/// </summary>
internal sealed class RoutedImageProvider(ICallTargets targets, IImageAdapter adapter) : IImageProvider, IImageEditor
{
    public string Name => targets.Provider;

    public Task<ImageGenerationResult> GenerateAsync(ProviderImageRequest request, CancellationToken cancellationToken) =>
        targets.CallAsync((target, ct) => adapter.GenerateAsync(target, request, ct), cancellationToken);

    public bool CanEdit(string model) => adapter is IImageEditAdapter editor && editor.CanEdit(targets.Provider, model);

    public Task<ImageGenerationResult> EditAsync(ProviderImageEditRequest request, CancellationToken cancellationToken) =>
        adapter is IImageEditAdapter editor
            ? targets.CallAsync((target, ct) => editor.EditAsync(target, request, ct), cancellationToken)
            : throw new NotSupportedException($"The {targets.Provider} provider's image protocol has no edit call.");
}
