using AigneHub.Application.Images;

namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// Image edits on the Gemini API: its image models (<c>gemini-*-image*</c>) edit through
/// <c>POST {BaseUrl}/v1beta/models/{model}:generateContent</c> with the prompt and the images as <c>inlineData</c>
/// parts and <c>generationConfig.responseModalities: ["TEXT","IMAGE"]</c>, answering one image as an
/// <c>inlineData</c> part (so n images are n calls). Imagen cannot edit; nor does Gemini take a mask.
/// </summary>
internal sealed partial class GeminiImagenAdapter : IImageEditAdapter
{
    public bool CanEdit(string provider, string model) => IsGeminiImageModel(model);

    /// <summary>A Gemini image model (<c>gemini-*-image*</c>), which generates and edits through generateContent, not Imagen's predict.</summary>
    internal static bool IsGeminiImageModel(string model)
    {
        var id = GeminiMediaRequests.ModelId(model);
        return id.StartsWith("gemini-", StringComparison.OrdinalIgnoreCase) && id.Contains("image", StringComparison.OrdinalIgnoreCase);
    }

    public async Task<ImageGenerationResult> EditAsync(ProviderTarget target, ProviderImageEditRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Mask is not null)
        {
            throw new RequestValidationException([new FieldViolation("mask", "Gemini image models edit from the prompt alone and take no mask; leave it out.")]);
        }

        return await GenerateContentAsync(target, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>n generateContent calls (one image each) with the prompt and the request's images (none for a generation).</summary>
    private async Task<ImageGenerationResult> GenerateContentAsync(ProviderTarget target, ProviderImageEditRequest request, CancellationToken cancellationToken)
    {
        var call = GeminiMediaRequests.Call(target, request.Model, options.Value);
        var images = new List<GeneratedImage>(request.N);
        var usage = default(TokenUsage);
        for (var i = 0; i < request.N; i++)
        {
            using var message = GeminiMediaRequests.Post(target, request.Model, "generateContent", json => WriteEdit(json, request));
            var (edited, used) = await transport.CallAsync(
                call,
                message,
                (response, error) => GeminiMediaRequests.Failure(target, response, error, time),
                ParseEdit,
                cancellationToken).ConfigureAwait(false);
            images.AddRange(edited);
            usage = new TokenUsage(usage.PromptTokens + used.PromptTokens, usage.CompletionTokens + used.CompletionTokens);
        }

        return images.Count > 0
            ? new ImageGenerationResult($"{target.Provider}/{GeminiMediaRequests.ModelId(request.Model)}", time.GetUtcNow(), images, usage)
            : throw new UpstreamException(ErrorKind.UpstreamRejected, target.Provider, $"The {target.Provider} provider returned no edited image for this prompt (its safety filters may have removed it).");
    }

    internal static void WriteEdit(Utf8JsonWriter json, ProviderImageEditRequest request)
    {
        json.WriteStartObject();
        json.WriteStartArray("contents"u8);
        json.WriteStartObject();
        json.WriteString("role"u8, "user"u8);
        json.WriteStartArray("parts"u8);
        json.WriteStartObject();
        json.WriteString("text"u8, request.Prompt);
        json.WriteEndObject();
        foreach (var image in request.Images)
        {
            json.WriteStartObject();
            json.WriteStartObject("inlineData"u8);
            json.WriteString("mimeType"u8, image.MediaType);
            json.WriteBase64String("data"u8, image.Content);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartObject("generationConfig"u8);
        json.WriteStartArray("responseModalities"u8);
        json.WriteStringValue("TEXT"u8);
        json.WriteStringValue("IMAGE"u8);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The <c>inlineData</c> image parts of the candidates, and <c>usageMetadata</c>'s prompt and candidate tokens.</summary>
    internal static (IReadOnlyList<GeneratedImage> Images, TokenUsage Usage) ParseEdit(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var images = new List<GeneratedImage>();
        var candidates = root.TryGetProperty("candidates", out var answered) && answered.ValueKind == JsonValueKind.Array ? answered.EnumerateArray().ToArray() : [];
        foreach (var candidate in candidates)
        {
            if (!candidate.TryGetProperty("content", out var content) || !content.TryGetProperty("parts", out var parts))
            {
                continue;
            }

            foreach (var part in parts.EnumerateArray())
            {
                if (part.TryGetProperty("inlineData", out var inline) && inline.TryGetProperty("data", out var data))
                {
                    var bytes = data.GetBytesFromBase64();
                    var declared = inline.TryGetProperty("mimeType", out var mime) ? mime.GetString() : null;
                    images.Add(new GeneratedImage(bytes, declared ?? ImageMediaTypes.Sniff(bytes) ?? ImageMediaTypes.Png, null, null));
                }
            }
        }

        static int Count(JsonElement root, string name) =>
            root.TryGetProperty("usageMetadata", out var usage) && usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;
        return (images, new TokenUsage(Count(root, "promptTokenCount"), Count(root, "candidatesTokenCount")));
    }
}
