using AigneHub.Application.Embeddings;

namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// Gemini embeddings: <c>POST {BaseUrl}/v1beta/models/{model}:batchEmbedContents</c>, one request per input
/// (<c>{"model":"models/{model}","content":{"parts":[{"text"}]},"outputDimensionality"?}</c>), answered with
/// <c>{"embeddings":[{"values":[…]}]}</c> in input order, at most <see cref="MaxBatchSize"/> inputs per call. The API
/// reports no token counts, so usage is zero.
/// </summary>
internal sealed class GeminiEmbeddingAdapter(UpstreamTransport transport, IOptions<GeminiAdapterOptions> options, TimeProvider time) : IEmbeddingAdapter
{
    public const string ProtocolName = "google-embeddings";

    public string Protocol => ProtocolName;

    /// <summary>The most requests the Gemini API takes in one batchEmbedContents call.</summary>
    public const int MaxBatchSize = 100;

    public async Task<EmbeddingResult> EmbedAsync(ProviderTarget target, ProviderEmbeddingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var call = GeminiMediaRequests.Call(target, request.Model, options.Value);
        var vectors = new List<float[]>(request.Inputs.Count);
        foreach (var batch in request.Inputs.Chunk(MaxBatchSize))
        {
            var part = request with { Inputs = batch };
            using var message = GeminiMediaRequests.Post(target, request.Model, "batchEmbedContents", json => Write(json, part));
            var result = await transport.CallAsync(
                call,
                message,
                (response, error) => GeminiMediaRequests.Failure(target, response, error, time),
                b => Parse(b, target.Provider, part),
                cancellationToken).ConfigureAwait(false);
            vectors.AddRange(result.Vectors);
        }

        return new EmbeddingResult($"{target.Provider}/{GeminiMediaRequests.ModelId(request.Model)}", vectors, new TokenUsage(0, 0));
    }

    internal static void Write(Utf8JsonWriter json, ProviderEmbeddingRequest request)
    {
        var model = "models/" + GeminiMediaRequests.ModelId(request.Model);
        json.WriteStartObject();
        json.WriteStartArray("requests"u8);
        foreach (var input in request.Inputs)
        {
            json.WriteStartObject();
            json.WriteString("model"u8, model);
            json.WriteStartObject("content"u8);
            json.WriteStartArray("parts"u8);
            json.WriteStartObject();
            json.WriteString("text"u8, input);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            if (request.Dimensions is { } dimensions)
            {
                json.WriteNumber("outputDimensionality"u8, dimensions);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    internal static EmbeddingResult Parse(byte[] body, string provider, ProviderEmbeddingRequest request)
    {
        using var document = JsonDocument.Parse(body);
        var vectors = new List<float[]>(request.Inputs.Count);
        foreach (var embedding in document.RootElement.GetProperty("embeddings").EnumerateArray())
        {
            vectors.Add(embedding.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray());
        }

        return vectors.Count == request.Inputs.Count
            ? new EmbeddingResult($"{provider}/{GeminiMediaRequests.ModelId(request.Model)}", vectors, new TokenUsage(0, 0))
            : throw new InvalidDataException("The answer does not have one embedding per input.");
    }
}
