using AigneHub.Application.Images;

namespace AigneHub.Application.Abstractions;

/// <summary>
/// A provider that can edit images (OpenAI's <c>/images/edits</c>, Gemini's image models): an image provider whose
/// protocol has an edit call. The router offers an edit only to the providers of a model that say they can.
/// </summary>
public interface IImageEditor : IProvider
{
    /// <summary>Whether this provider's API edits images with <paramref name="model"/> (its own model id).</summary>
    bool CanEdit(string model);

    Task<Served<ImageGenerationResult>> EditAsync(ProviderImageEditRequest request, CancellationToken cancellationToken);
}

/// <summary>The edit call of an image protocol, beside its <see cref="IImageAdapter.GenerateAsync"/>.</summary>
public interface IImageEditAdapter
{
    /// <summary>Whether <paramref name="provider"/>'s API edits images with <paramref name="model"/>.</summary>
    bool CanEdit(string provider, string model);

    Task<ImageGenerationResult> EditAsync(ProviderTarget target, ProviderImageEditRequest request, CancellationToken cancellationToken);
}
