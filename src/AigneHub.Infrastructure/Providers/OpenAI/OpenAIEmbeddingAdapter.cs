using AigneHub.Application.Embeddings;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// OpenAI's embeddings protocol, <c>POST {BaseUrl}/embeddings</c>, for every provider that offers it: openai, doubao
/// (Ark), ollama's "/v1", openrouter. Inputs go as an array of strings with <c>encoding_format: "float"</c> (the
/// hub encodes for its own caller); the answer's vectors are put back in input order by their <c>index</c>.
/// </summary>
internal sealed class OpenAIEmbeddingAdapter(
    UpstreamTransport transport,
    ProviderProfiles profiles,
    IOptions<ProviderHttpOptions> options,
    TimeProvider time) : IEmbeddingAdapter
{
    public const string ProtocolName = "openai-embeddings";

    public string Protocol => ProtocolName;

    public async Task<EmbeddingResult> EmbedAsync(ProviderTarget target, ProviderEmbeddingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var call = OpenAIMediaRequests.Call(target, request.Model, options.Value);
        using var message = OpenAIMediaRequests.Post(target, profiles, "embeddings", json => Write(json, request));
        return await transport.CallAsync(
            call,
            message,
            (response, error) => OpenAIMediaRequests.Failure(target, response, error, time),
            b => Parse(b, target.Provider, request),
            cancellationToken).ConfigureAwait(false);
    }

    internal static void Write(Utf8JsonWriter json, ProviderEmbeddingRequest request)
    {
        json.WriteStartObject();
        json.WriteString("model"u8, request.Model);
        json.WriteStartArray("input"u8);
        foreach (var input in request.Inputs)
        {
            json.WriteStringValue(input);
        }

        json.WriteEndArray();
        json.WriteString("encoding_format"u8, "float"u8);
        if (request.Dimensions is { } dimensions)
        {
            json.WriteNumber("dimensions"u8, dimensions);
        }

        if (!string.IsNullOrEmpty(request.User))
        {
            json.WriteString("user"u8, request.User);
        }

        json.WriteEndObject();
    }

    /// <summary>Reads OpenAI's <c>{"object":"list","data":[{"index","embedding"}],"model","usage"}</c>.</summary>
    internal static EmbeddingResult Parse(byte[] body, string provider, ProviderEmbeddingRequest request)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var vectors = new float[request.Inputs.Count][];
        foreach (var item in root.GetProperty("data").EnumerateArray())
        {
            var index = item.TryGetProperty("index", out var i) ? i.GetInt32() : Array.IndexOf(vectors, null);
            if (index < 0 || index >= vectors.Length || vectors[index] is not null)
            {
                throw new InvalidDataException("An embedding's index is out of range or repeated.");
            }

            var values = item.GetProperty("embedding");
            var vector = new float[values.GetArrayLength()];
            var n = 0;
            foreach (var value in values.EnumerateArray())
            {
                vector[n++] = value.GetSingle();
            }

            vectors[index] = vector;
        }

        if (vectors.Any(v => v is null))
        {
            throw new InvalidDataException("The answer has fewer embeddings than inputs.");
        }

        var promptTokens = root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
            && usage.TryGetProperty("prompt_tokens", out var prompt) && prompt.ValueKind == JsonValueKind.Number
            ? prompt.GetInt32()
            : 0;
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : request.Model;
        return new EmbeddingResult(provider + "/" + model, vectors, new TokenUsage(promptTokens, 0));
    }
}
