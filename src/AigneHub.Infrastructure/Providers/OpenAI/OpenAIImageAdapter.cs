using AigneHub.Application.Images;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// OpenAI's image generation protocol, <c>POST {BaseUrl}/images/generations</c>, for openai, xai and doubao (Ark), and
/// OpenAI's edits, <c>POST {BaseUrl}/images/edits</c> (multipart/form-data: the uploaded images and mask as they
/// arrived, byte for byte, with the prompt and settings), for OpenAI's own editing models (gpt-image-*, dall-e-2).
/// The hub always asks for <c>b64_json</c> so it holds the bytes itself (gpt-image models send nothing else and
/// refuse the parameter, so it is left out for them); a provider that still answers with a URL passes it on.
/// </summary>
internal sealed class OpenAIImageAdapter(
    UpstreamTransport transport,
    ProviderProfiles profiles,
    IOptions<ProviderHttpOptions> options,
    TimeProvider time) : IImageAdapter, IImageEditAdapter
{
    public const string ProtocolName = "openai-images";

    public string Protocol => ProtocolName;

    public async Task<ImageGenerationResult> GenerateAsync(ProviderTarget target, ProviderImageRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var call = OpenAIMediaRequests.Call(target, request.Model, options.Value);
        using var message = OpenAIMediaRequests.Post(target, profiles, "images/generations", json => Write(json, request));
        return await transport.CallAsync(
            call,
            message,
            (response, error) => OpenAIMediaRequests.Failure(target, response, error, time),
            b => Parse(b, target.Provider, request, time.GetUtcNow()),
            cancellationToken).ConfigureAwait(false);
    }

    public bool CanEdit(string provider, string model) =>
        provider == "openai" && (model.StartsWith("gpt-image", StringComparison.OrdinalIgnoreCase) || model.Equals("dall-e-2", StringComparison.OrdinalIgnoreCase));

    public async Task<ImageGenerationResult> EditAsync(ProviderTarget target, ProviderImageEditRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var call = OpenAIMediaRequests.Call(target, request.Model, options.Value);
        using var message = OpenAIMediaRequests.Post(target, profiles, "images/edits", EditForm(request));
        var generation = new ProviderImageRequest(request.Model, request.Prompt, request.N, request.Size, request.Quality, null, request.User);
        return await transport.CallAsync(
            call,
            message,
            (response, error) => OpenAIMediaRequests.Failure(target, response, error, time),
            b => Parse(b, target.Provider, generation, time.GetUtcNow()),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The edit form as OpenAI documents it: one image as <c>image</c>, several as repeated <c>image[]</c>, the optional
    /// <c>mask</c>, then the text fields.
    /// </summary>
    internal static MultipartFormDataContent EditForm(ProviderImageEditRequest request)
    {
        var form = new MultipartFormDataContent();
        var imageField = request.Images.Count == 1 ? "image" : "image[]";
        foreach (var image in request.Images)
        {
            form.Add(FilePart(image), imageField, image.FileName);
        }

        if (request.Mask is { } mask)
        {
            form.Add(FilePart(mask), "mask", mask.FileName);
        }

        form.Add(new StringContent(request.Model), "model");
        form.Add(new StringContent(request.Prompt), "prompt");
        form.Add(new StringContent(request.N.ToString(System.Globalization.CultureInfo.InvariantCulture)), "n");
        AddIfSet(form, "size", request.Size);
        AddIfSet(form, "quality", request.Quality);
        AddIfSet(form, "user", request.User);
        if (!request.Model.StartsWith("gpt-image", StringComparison.OrdinalIgnoreCase))
        {
            form.Add(new StringContent("b64_json"), "response_format");
        }

        return form;
    }

    private static ByteArrayContent FilePart(InputImage image)
    {
        var part = new ByteArrayContent(image.Content);
        part.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(image.MediaType, out var type)
            ? type
            : new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        return part;
    }

    private static void AddIfSet(MultipartFormDataContent form, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            form.Add(new StringContent(value), name);
        }
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
