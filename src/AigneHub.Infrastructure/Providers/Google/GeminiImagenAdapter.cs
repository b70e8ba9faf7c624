using AigneHub.Application.Images;

namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// Imagen through the Gemini API: <c>POST {BaseUrl}/v1beta/models/{model}:predict</c> with
/// <c>{"instances":[{"prompt"}],"parameters":{"sampleCount","aspectRatio"?}}</c>, answered with
/// <c>{"predictions":[{"bytesBase64Encoded","mimeType"}]}</c>. Imagen takes an aspect ratio, not pixel sizes: a
/// size is turned into the nearest ratio Imagen offers. Gemini's own image models (<c>gemini-*-image*</c>) generate
/// and edit through generateContent instead (GeminiImagenAdapter.Edits.cs).
/// </summary>
internal sealed partial class GeminiImagenAdapter(UpstreamTransport transport, IOptions<GeminiAdapterOptions> options, TimeProvider time) : IImageAdapter
{
    public const string ProtocolName = "google-imagen";

    private static readonly (string Ratio, double Value)[] AspectRatios = [("1:1", 1.0), ("3:4", 0.75), ("4:3", 4 / 3.0), ("9:16", 9 / 16.0), ("16:9", 16 / 9.0)];

    public string Protocol => ProtocolName;

    public async Task<ImageGenerationResult> GenerateAsync(ProviderTarget target, ProviderImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        if (IsGeminiImageModel(request.Model))
        {
            return await GenerateContentAsync(
                target, new ProviderImageEditRequest(request.Model, [], null, request.Prompt, request.N, request.Size, request.Quality, request.User), cancellationToken).ConfigureAwait(false);
        }

        var call = GeminiMediaRequests.Call(target, request.Model, options.Value);
        using var message = GeminiMediaRequests.Post(target, request.Model, "predict", json => Write(json, request));
        return await transport.CallAsync(
            call,
            message,
            (response, error) => GeminiMediaRequests.Failure(target, response, error, time),
            b => Parse(b, target.Provider, request, time.GetUtcNow()),
            cancellationToken).ConfigureAwait(false);
    }

    internal static void Write(Utf8JsonWriter json, ProviderImageRequest request)
    {
        json.WriteStartObject();
        json.WriteStartArray("instances"u8);
        json.WriteStartObject();
        json.WriteString("prompt"u8, request.Prompt);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartObject("parameters"u8);
        json.WriteNumber("sampleCount"u8, request.N);
        if (AspectRatioOf(request.Size) is { } ratio)
        {
            json.WriteString("aspectRatio"u8, ratio);
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The Imagen aspect ratio nearest to a "WIDTHxHEIGHT" size; null for "auto" or no size.</summary>
    internal static string? AspectRatioOf(string? size)
    {
        var parts = size?.Split('x');
        if (parts is not [var w, var h] || !int.TryParse(w, out var width) || !int.TryParse(h, out var height) || height == 0)
        {
            return null;
        }

        var value = (double)width / height;
        return AspectRatios.MinBy(r => Math.Abs(Math.Log(r.Value / value))).Ratio;
    }

    internal static ImageGenerationResult Parse(byte[] body, string provider, ProviderImageRequest request, DateTimeOffset now)
    {
        using var document = JsonDocument.Parse(body);
        var images = new List<GeneratedImage>();
        if (document.RootElement.TryGetProperty("predictions", out var predictions))
        {
            foreach (var prediction in predictions.EnumerateArray())
            {
                // A prediction filtered by Imagen's safety checks carries a reason and no bytes.
                if (prediction.TryGetProperty("bytesBase64Encoded", out var data) && data.GetString() is { } base64)
                {
                    var bytes = Convert.FromBase64String(base64);
                    var declared = prediction.TryGetProperty("mimeType", out var mime) ? mime.GetString() : null;
                    images.Add(new GeneratedImage(bytes, declared ?? ImageMediaTypes.Sniff(bytes) ?? ImageMediaTypes.Png, null, null));
                }
            }
        }

        return images.Count > 0
            ? new ImageGenerationResult($"{provider}/{GeminiMediaRequests.ModelId(request.Model)}", now, images, default)
            : throw new Application.Errors.UpstreamException(
                Domain.Usage.ErrorKind.UpstreamRejected,
                provider,
                $"The {provider} provider generated no image for this prompt (its safety filters may have removed them).");
    }
}
