using AigneHub.Infrastructure.Providers.ServerSentEvents;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// The OpenAI Chat Completions protocol (<c>POST {BaseUrl}/chat/completions</c>, JSON and SSE), for every provider that
/// speaks it: openai, deepseek, openrouter, xai, doubao, poe, ollama's "/v1". Each call names its target; a provider's
/// quirks (extra headers, usage field names) come from its <see cref="ProviderProfile"/>. The adapter writes the
/// request, parses the answer and classifies an error answer; the <see cref="UpstreamTransport"/> does the HTTP
/// exchange (deadlines, error body, transport failures, logging).
/// </summary>
internal sealed class OpenAIChatAdapter(UpstreamTransport transport, IOptions<ProviderHttpOptions> options, ProviderProfiles profiles)
    : IChatAdapter, ICredentialProbe
{
    public const string ProtocolName = "openai-chat";

    public const string HttpClientName = ProtocolName;

    private const string EndpointPath = "chat/completions";

    private const string ModelsPath = "models";

    private static ReadOnlySpan<byte> DoneMarker => "[DONE]"u8;

    // Base URLs come from operators (configuration, provider settings), so this stays as small as their number.
    private readonly ConcurrentDictionary<Uri, Uri> _endpoints = new();

    public string Protocol => ProtocolName;

    public Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = Prepare(target, request);
        return transport.SendAsync(
            call.Upstream,
            () => CreateRequest(call, request, stream: false),
            (response, body) => Failure(call, response, body),
            (_, body) => OpenAIResponseParser.ParseCompletion(body, call.ModelPrefix, request.Model, transport.Time.GetUtcNow(), call.CachedTokensAlias),
            static completion => completion.Usage,
            cancellationToken);
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderTarget target,
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = Prepare(target, request);
        await using var stream = await transport.OpenStreamAsync(
            call.Upstream,
            () => CreateRequest(call, request, stream: true),
            (response, body) => Failure(call, response, body),
            static body => new ServerSentEventReader(body),
            cancellationToken).ConfigureAwait(false);

        var parser = new OpenAIStreamParser(call.ModelPrefix, request.Model, transport.Time.GetUtcNow(), call.CachedTokensAlias);
        var sawDone = false;
        while (await stream.ReadNextAsync().ConfigureAwait(false))
        {
            var data = stream.Events.Current.Data;
            if (data.Span.SequenceEqual(DoneMarker))
            {
                sawDone = true;
                break;
            }

            var update = ParseChunk(call, parser, data);
            if (update is not null)
            {
                yield return update;
            }
        }

        if (!sawDone && !parser.SawFinishReason)
        {
            throw transport.StreamEndedEarly(call.Upstream);
        }

        transport.StreamFinished(call.Upstream, parser.Usage);
    }

    /// <summary>Lists the upstream's models (<c>GET {BaseUrl}/models</c>) with the target's key: authenticated, and free.</summary>
    public async Task<ProbeResult> ProbeAsync(ProviderTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var call = new Call(target, ResolveEndpoint(target.BaseUrl, ModelsPath), profiles, options.Value, ModelsPath);
        using var message = new HttpRequestMessage(HttpMethod.Get, call.Endpoint);
        AddHeaders(message, call, "application/json");
        return await transport.ProbeAsync(HttpClientName, message, call.Provider, options.Value, isRefusal: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The API root joined with the endpoint's path, with one '/' whether or not the root ends with one.</summary>
    /// <exception cref="ArgumentException">The root is not an absolute http(s) URL.</exception>
    internal static Uri ResolveEndpoint(Uri baseUrl) => ResolveEndpoint(baseUrl, EndpointPath);

    private static Uri ResolveEndpoint(Uri baseUrl, string path)
    {
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("A provider target's base URL must be an absolute http or https URL.", nameof(baseUrl));
        }

        return new Uri(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + path, UriKind.Absolute);
    }

    private Call Prepare(ProviderTarget target, ProviderChatRequest request)
    {
        ArgumentNullException.ThrowIfNull(target);
        var endpoint = _endpoints.GetOrAdd(target.BaseUrl, ResolveEndpoint);
        return new Call(target, endpoint, profiles, options.Value, request.Model);
    }

    private static HttpRequestMessage CreateRequest(Call call, ProviderChatRequest request, bool stream)
    {
        var body = new ArrayBufferWriter<byte>(EstimateBodySize(request));
        OpenAIChatRequestWriter.Write(body, request, stream, call.SendsMaxCompletionTokens);

        var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var message = new HttpRequestMessage(HttpMethod.Post, call.Endpoint) { Content = content };
        AddHeaders(message, call, stream ? "text/event-stream" : "application/json");
        return message;
    }

    private static void AddHeaders(HttpRequestMessage message, Call call, string accept)
    {
        if (call.ApiKey is { } apiKey)
        {
            message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + apiKey);
        }

        message.Headers.TryAddWithoutValidation("Accept", accept);
        foreach (var (name, value) in call.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
    }

    private static int EstimateBodySize(ProviderChatRequest request)
    {
        var characters = 256;
        foreach (var message in request.Messages)
        {
            characters += 64 + (message.Text?.Length ?? 256);
        }

        // UTF-8 takes more than one byte for non-ASCII text; the writer grows the buffer when the guess is short.
        return Math.Min(characters + (characters / 4), 1 << 20);
    }

    private ChatCompletionUpdate? ParseChunk(Call call, OpenAIStreamParser parser, ReadOnlyMemory<byte> data)
    {
        ChatCompletionUpdate? update;
        OpenAIError? error;
        try
        {
            update = parser.Parse(data.Span, out error);
        }
        catch (JsonException ex)
        {
            throw transport.MalformedEvent(call.Upstream, ex);
        }

        if (error is not null)
        {
            var detail = UpstreamErrorText.Scrub(error.Message, call.ApiKey);
            throw transport.FailedMidStream(call.Upstream, new UpstreamFailure(
                new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    call.Provider,
                    detail is null ? $"The {call.Provider} provider failed mid-stream." : $"The {call.Provider} provider failed mid-stream: {detail}"),
                ErrorLabel(error)));
        }

        return update;
    }

    /// <summary>The error classifier: OpenAI says what went wrong by the status; its envelope adds a message.</summary>
    private UpstreamFailure Failure(Call call, HttpResponseMessage response, byte[] body)
    {
        var error = OpenAIResponseParser.TryParseError(body);

        // 408 is a proxy giving up; for this protocol it has always been an unavailable upstream, not a timeout.
        var kind = response.StatusCode == HttpStatusCode.RequestTimeout ? ErrorKind.UpstreamUnavailable : UpstreamFailures.KindOfStatus(response.StatusCode);
        return new UpstreamFailure(
            UpstreamFailures.FromStatus(kind, call.Provider, (int)response.StatusCode, error?.Message, call.ApiKey, transport.RetryAfter(response)),
            ErrorLabel(error));
    }

    private static string? ErrorLabel(OpenAIError? error) => error?.Code is { } code ? $"{error.Type}/{code}" : error?.Type;

    /// <summary>What every step of one call needs to reach, name and scrub, resolved once from its target.</summary>
    private sealed class Call
    {
        private readonly ProviderProfile? _profile;

        public Call(ProviderTarget target, Uri endpoint, ProviderProfiles profiles, UpstreamLimits limits, string model)
        {
            _profile = profiles.Find(target.Provider);
            Endpoint = endpoint;
            ApiKey = string.IsNullOrWhiteSpace(target.Credential.ApiKey) ? null : target.Credential.ApiKey;
            ModelPrefix = target.Provider + "/";
            Upstream = new UpstreamCall(HttpClientName, target.Provider, model, target.Credential.Id, ApiKey, limits);
        }

        public UpstreamCall Upstream { get; }

        public string Provider => Upstream.Provider;

        /// <summary>The hub's prefix for the provider's models ("deepseek/").</summary>
        public string ModelPrefix { get; }

        public Uri Endpoint { get; }

        /// <summary>The key, or null for a provider called without one (a local ollama): then no Authorization header.</summary>
        public string? ApiKey { get; }

        public IReadOnlyList<KeyValuePair<string, string>> Headers => _profile?.Headers ?? [];

        public string? CachedTokensAlias => _profile?.UsageAliases.CachedPromptTokens;

        public bool SendsMaxCompletionTokens => _profile?.SendsMaxCompletionTokens ?? false;
    }
}
