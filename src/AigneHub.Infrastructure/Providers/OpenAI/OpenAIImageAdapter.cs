using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Images.Common;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Configured;
using AigneHub.Infrastructure.Providers.Media;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// OpenAI's image generation protocol, <c>POST {BaseUrl}/images/generations</c>, for openai, xai and doubao (Ark).
/// The hub always asks for <c>b64_json</c> so it holds the bytes itself (gpt-image models send nothing else and
/// refuse the parameter, so it is left out for them); a provider that still answers with a URL passes it on.
/// </summary>
internal sealed class OpenAIImageAdapter(
    MediaUpstream upstream,
    ProviderProfiles profiles,
    IOptions<ProviderHttpOptions> options,
    TimeProvider time) : IImageAdapter
{
    public const string ProtocolName = "openai-images";

    public string Protocol => ProtocolName;

    public async Task<ImageGenerationResult> GenerateAsync(ProviderTarget target, ProviderImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var call = OpenAIMediaRequests.Call(target, request.Model);
        using var message = OpenAIMediaRequests.Post(target, profiles, "images/generations", json => Write(json, request));
        return await upstream.CallAsync(
            call,
            message,
            options.Value.Timeout,
            (response, error) => OpenAIMediaRequests.Failure(target, response, error, time),
            b => Parse(b, target.Provider, request, time.GetUtcNow()),
            cancellationToken).ConfigureAwait(false);
    }

    internal static void Write(Utf8JsonWriter json, ProviderImageRequest request)
    {
        json.WriteStartObject();
        json.WriteString("model"u8, request.Model);
        json.WriteString("prompt"u8, request.Prompt);
        json.WriteNumber("n"u8, request.N);
        WriteIfSet(json, "size", request.Size);
        WriteIfSet(json, "quality", request.Quality);
        WriteIfSet(json, "style", request.Style);
        WriteIfSet(json, "user", request.User);
        if (!request.Model.StartsWith("gpt-image", StringComparison.OrdinalIgnoreCase))
        {
            json.WriteString("response_format"u8, "b64_json"u8);
        }

        json.WriteEndObject();
    }

    /// <summary>Reads <c>{"created","data":[{"b64_json"|"url","revised_prompt"}],"usage"?}</c>.</summary>
    internal static ImageGenerationResult Parse(byte[] body, string provider, ProviderImageRequest request, DateTimeOffset now)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var declaredFormat = root.TryGetProperty("output_format", out var format) && format.ValueKind == JsonValueKind.String
            ? "image/" + format.GetString()
            : null;
        var images = new List<GeneratedImage>();
        foreach (var item in root.GetProperty("data").EnumerateArray())
        {
            var revised = StringOf(item, "revised_prompt");
            if (StringOf(item, "b64_json") is { } base64)
            {
                var bytes = Convert.FromBase64String(base64);
                images.Add(new GeneratedImage(bytes, ImageMediaTypes.Sniff(bytes) ?? declaredFormat ?? ImageMediaTypes.Png, null, revised));
            }
            else if (StringOf(item, "url") is { } url)
            {
                images.Add(new GeneratedImage(null, declaredFormat ?? ImageMediaTypes.Png, url, revised));
            }
            else
            {
                throw new InvalidDataException("An image has neither b64_json nor url.");
            }
        }

        if (images.Count == 0)
        {
            throw new InvalidDataException("The answer holds no image.");
        }

        var created = root.TryGetProperty("created", out var c) && c.ValueKind == JsonValueKind.Number
            ? DateTimeOffset.FromUnixTimeSeconds(c.GetInt64())
            : now;
        return new ImageGenerationResult(provider + "/" + request.Model, created, images, UsageOf(root));
    }

    /// <summary>gpt-image models report <c>usage.input_tokens</c>/<c>output_tokens</c>; the others report none.</summary>
    private static TokenUsage UsageOf(JsonElement root)
    {
        if (!root.TryGetProperty("usage", out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        static int Count(JsonElement usage, string name) =>
            usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : 0;
        return new TokenUsage(Count(usage, "input_tokens"), Count(usage, "output_tokens"));
    }

    private static string? StringOf(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json.WriteString(name, value);
        }
    }
}
