namespace AigneHub.Application.Images;

/// <summary>An image the caller uploaded to be edited (or used as a mask), as it arrived.</summary>
/// <param name="FileName">The upload's file name (providers use its extension to tell the format).</param>
/// <param name="MediaType">The upload's content type, e.g. image/png.</param>
public sealed record InputImage(byte[] Content, string FileName, string MediaType);

/// <summary>What an image adapter is asked to edit. Null settings mean "the provider's default".</summary>
/// <param name="Model">The provider's own model id (no hub prefix).</param>
/// <param name="Images">The images to edit (gpt-image models take several), in the caller's order.</param>
/// <param name="Mask">Where to edit: transparent areas of this image (OpenAI); null for the whole image.</param>
public sealed record ProviderImageEditRequest(
    string Model, IReadOnlyList<InputImage> Images, InputImage? Mask, string Prompt, int N, string? Size, string? Quality, string? User);
