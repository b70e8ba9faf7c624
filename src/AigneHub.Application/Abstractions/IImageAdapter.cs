using AigneHub.Application.Images;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// One provider wire protocol for image generation (OpenAI <c>/images/generations</c>, Imagen <c>:predict</c>),
/// parallel to <see cref="IChatAdapter"/>. Adapters ask the upstream for the image bytes (not a link to the
/// provider's storage) so the hub can hand them out or store them itself.
/// </summary>
public interface IImageAdapter
{
    /// <summary>The protocol's name, as provider profiles name it, e.g. "openai-images".</summary>
    string Protocol { get; }

    Task<ImageGenerationResult> GenerateAsync(ProviderTarget target, ProviderImageRequest request, CancellationToken cancellationToken);
}
