using AigneHub.Application.Embeddings;

namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>
/// Amazon Titan text embeddings on Bedrock (<c>amazon.titan-embed-text-v2:0</c> and kin): one signed
/// <c>POST {endpoint}/model/{modelId}/invoke</c> per input with <c>{"inputText","dimensions"?}</c>, answered with
/// <c>{"embedding":[…],"inputTextTokenCount"}</c>. Titan embeds one text per call, so the inputs go one after the
/// other and their token counts are summed.
/// </summary>
internal sealed class BedrockTitanEmbeddingAdapter(UpstreamTransport transport, IOptions<BedrockAdapterOptions> options, TimeProvider time) : IEmbeddingAdapter
{
    public const string ProtocolName = "bedrock-invoke-embeddings";

    private readonly SigV4Signer _signer = new(time);

    public string Protocol => ProtocolName;

    public async Task<EmbeddingResult> EmbedAsync(ProviderTarget target, ProviderEmbeddingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        var (accessKeyId, secretAccessKey, region) = SigningKeyOf(target);
        var call = UpstreamCall.ForMedia(target, request.Model, options.Value);

        // The model id is one path segment: escaped once here; the signer escapes the escaped path once more.
        var endpoint = new Uri($"{target.BaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/')}/model/{Uri.EscapeDataString(request.Model)}/invoke", UriKind.Absolute);
        var vectors = new List<float[]>(request.Inputs.Count);
        var promptTokens = 0;
        foreach (var input in request.Inputs)
        {
            var payload = Write(input, request.Dimensions);
            var content = new ReadOnlyMemoryContent(payload);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
            message.Headers.TryAddWithoutValidation("Accept", "application/json");
            _signer.Sign(message, payload.Span, accessKeyId, secretAccessKey, region, BedrockConverseAdapter.SigningService);

            var (vector, tokens) = await transport.CallAsync(
                call,
                message,
                (response, error) => Failure(target, secretAccessKey, response, error),
                Parse,
                cancellationToken).ConfigureAwait(false);
            vectors.Add(vector);
            promptTokens += tokens;
        }

        return new EmbeddingResult($"{target.Provider}/{request.Model}", vectors, new TokenUsage(promptTokens, 0));
    }

    internal static ReadOnlyMemory<byte> Write(string input, int? dimensions)
    {
        var buffer = new ArrayBufferWriter<byte>(input.Length + 64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("inputText"u8, input);
            if (dimensions is { } value)
            {
                json.WriteNumber("dimensions"u8, value);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    internal static (float[] Vector, int Tokens) Parse(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var vector = root.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var tokens = root.TryGetProperty("inputTextTokenCount", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : 0;
        return (vector, tokens);
    }

    private UpstreamException Failure(ProviderTarget target, string secretAccessKey, HttpResponseMessage response, byte[] body)
    {
        var error = BedrockConverseResponseParser.ParseError(body, BedrockConverseAdapter.ErrorTypeOf(response));
        var kind = BedrockConverseAdapter.KindOf(error) ?? UpstreamFailures.KindOfStatus(response.StatusCode);

        // AWS's signature errors quote the canonical request: only a rejected request's message is relayed, scrubbed.
        return UpstreamFailures.FromStatus(kind, target.Provider, (int)response.StatusCode, error.Message, secretAccessKey, UpstreamFailures.RetryAfter(response, time));
    }

    private static (string AccessKeyId, string SecretAccessKey, string Region) SigningKeyOf(ProviderTarget target)
    {
        var credential = target.Credential;
        if (string.IsNullOrEmpty(credential.AccessKeyId) || string.IsNullOrEmpty(credential.SecretAccessKey))
        {
            throw new UpstreamException(
                ErrorKind.UpstreamAuth,
                target.Provider,
                $"The {target.Provider} provider needs an access key pair; credential {credential.Id} has none.");
        }

        var region = string.IsNullOrWhiteSpace(target.Region) ? BedrockEndpoint.RegionOf(target.BaseUrl) : target.Region;
        return region is null
            ? throw new UpstreamException(ErrorKind.UpstreamUnavailable, target.Provider, $"The {target.Provider} provider has no region to sign its calls for.")
            : (credential.AccessKeyId, credential.SecretAccessKey, region);
    }
}
