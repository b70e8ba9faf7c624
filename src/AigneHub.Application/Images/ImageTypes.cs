namespace AigneHub.Application.Images;

/// <summary>What an image adapter is asked for. Null settings mean "the provider's default".</summary>
/// <param name="Model">The provider's own model id (no hub prefix).</param>
/// <param name="Size">"WIDTHxHEIGHT" (e.g. "1024x1024") or "auto".</param>
/// <param name="Quality">The model's own vocabulary: standard/hd (dall-e-3), low/medium/high/auto (gpt-image-1).</param>
/// <param name="Style">vivid or natural (dall-e-3 only).</param>
public sealed record ProviderImageRequest(string Model, string Prompt, int N, string? Size, string? Quality, string? Style, string? User);

/// <summary>One generated image: its bytes, or (only from a provider that cannot send bytes) a link to it.</summary>
/// <param name="MediaType">The bytes' type, e.g. image/png.</param>
/// <param name="RevisedPrompt">The prompt the model actually used, when it rewrote the caller's (dall-e-3).</param>
public sealed record GeneratedImage(byte[]? Content, string MediaType, string? Url, string? RevisedPrompt);

/// <param name="Model">The model that answered, as the hub names it ("provider/model").</param>
/// <param name="Usage">Tokens as the provider reported them (gpt-image-1 does); zero otherwise.</param>
public sealed record ImageGenerationResult(string Model, DateTimeOffset Created, IReadOnlyList<GeneratedImage> Images, TokenUsage Usage);

/// <summary>How the caller wants its images: the bytes in the answer, or a link to the hub's own copy.</summary>
public enum ImageDelivery
{
    Base64,
    Url,
}

/// <summary>One image as handed to the caller.</summary>
/// <param name="Content">The bytes, for <see cref="ImageDelivery.Base64"/>.</param>
/// <param name="StoredImageId">The hub's stored copy, for <see cref="ImageDelivery.Url"/>; the edge turns it into its own URL.</param>
/// <param name="ExternalUrl">A provider's link, only when the provider sent no bytes.</param>
public sealed record DeliveredImage(byte[]? Content, Guid? StoredImageId, string? ExternalUrl, string? RevisedPrompt);

/// <summary>The answer to a generation request.</summary>
/// <param name="ExpiresAt">When the stored copies stop being served; null when nothing was stored.</param>
public sealed record GeneratedImages(
    string Model,
    DateTimeOffset Created,
    IReadOnlyList<DeliveredImage> Images,
    TokenUsage Usage,
    DateTimeOffset? ExpiresAt,
    decimal? CreditsCharged = null,
    string? CreditPrefix = null);
