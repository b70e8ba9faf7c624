using AigneHub.Infrastructure.Providers.ServerSentEvents;

namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>
/// The Anthropic Messages protocol (<c>POST {BaseUrl}/v1/messages</c>, JSON and SSE), for any target that speaks it.
/// The adapter writes the request, parses the answer and classifies an error answer; the <see cref="UpstreamTransport"/>
/// does the HTTP exchange (deadlines, error body, transport failures, logging).
/// </summary>
internal sealed class AnthropicMessagesAdapter(UpstreamTransport transport, IOptions<AnthropicAdapterOptions> options) : IChatAdapter, ICredentialProbe
{
    public const string ProtocolName = "anthropic-messages";

    public const string HttpClientName = ProtocolName;

    private const string MessagesPath = "/v1/messages";

    private const string ModelsPath = "/v1/models";

    // After message_stop the body should end at once; reading to its end lets the connection be reused.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(2);

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly AnthropicAdapterOptions _settings = options.Value;

    public string Protocol => ProtocolName;

    public Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request, _settings);
        return transport.SendAsync(
            call.Upstream,
            () => CreateRequest(call, stream: false),
            (response, body) => Failure(call, response, body),
            (_, body) => AnthropicMessagesResponseParser.ParseMessage(body, call.ModelPrefix, request.Model, transport.Time.GetUtcNow(), call.AnswerTool),
            static completion => completion.Usage,
            cancellationToken);
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderTarget target,
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request, _settings);
        await using var stream = await transport.OpenStreamAsync(
            call.Upstream,
            () => CreateRequest(call, stream: true),
            (response, body) => Failure(call, response, body),
            static body => new ServerSentEventReader(body),
            cancellationToken).ConfigureAwait(false);

        var parser = new AnthropicMessagesStreamParser(call.ModelPrefix, request.Model, transport.Time.GetUtcNow(), call.AnswerTool);
        while (await stream.ReadNextAsync().ConfigureAwait(false))
        {
            var update = ParseEvent(call, parser, stream.Events.Current);
            if (update is not null)
            {
                yield return update;
            }

            if (parser.SawMessageStop)
            {
                break;
            }
        }

        if (!parser.SawMessageStop)
        {
            throw transport.StreamEndedEarly(call.Upstream);
        }

        if (!parser.SawFinishReason)
        {
            yield return parser.DefaultFinishUpdate();
        }

        var usageUpdate = parser.UsageUpdate();
        transport.StreamFinished(call.Upstream, usageUpdate?.Usage);
        if (usageUpdate is { Usage: not null })
        {
            yield return usageUpdate;
        }

        await stream.DrainAsync(DrainLimit).ConfigureAwait(false);
    }

    /// <summary>Lists the upstream's models (<c>GET {BaseUrl}/v1/models</c>) with the target's key: authenticated, and free.</summary>
    public async Task<ProbeResult> ProbeAsync(ProviderTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var message = new HttpRequestMessage(HttpMethod.Get, ResolveEndpoint(target.BaseUrl, ModelsPath));
        message.Headers.TryAddWithoutValidation("x-api-key", target.Credential.ApiKey ?? string.Empty);
        message.Headers.TryAddWithoutValidation("anthropic-version", _settings.AnthropicVersion);
        message.Headers.TryAddWithoutValidation("Accept", "application/json");
        return await transport.ProbeAsync(HttpClientName, message, target.Provider, _settings, isRefusal: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"{BaseUrl}{path}", whether or not the base URL ends with '/'.</summary>
    private static Uri ResolveEndpoint(Uri baseUrl, string path)
    {
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The target's base URL must be an absolute http or https URL.", nameof(baseUrl));
        }

        return new Uri(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + path, UriKind.Absolute);
    }

    private HttpRequestMessage CreateRequest(Call call, bool stream)
    {
        var body = new ArrayBufferWriter<byte>(EstimateBodySize(call.Request));
        try
        {
            AnthropicMessagesRequestWriter.Write(body, call.Request, _settings.DefaultMaxTokens, stream, call.AnswerTool);
        }
        catch (NotSupportedException ex)
        {
            throw new UpstreamException(ErrorKind.UpstreamRejected, call.Provider, $"The {call.Provider} provider cannot take this request: {ex.Message}");
        }

        var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = JsonContentType;

        var message = new HttpRequestMessage(HttpMethod.Post, call.Endpoint) { Content = content };
        message.Headers.TryAddWithoutValidation("x-api-key", call.ApiKey);
        message.Headers.TryAddWithoutValidation("anthropic-version", _settings.AnthropicVersion);
        message.Headers.TryAddWithoutValidation("Accept", stream ? "text/event-stream" : "application/json");
        return message;
    }

    private static int EstimateBodySize(ProviderChatRequest request)
    {
        var characters = 256;
        foreach (var message in request.Messages)
        {
            characters += 64 + (message.Text?.Length ?? 256);
        }

        foreach (var tool in request.Settings.Tools ?? [])
        {
            characters += 64 + (tool.Description?.Length ?? 0) + (tool.ParametersJson?.Length ?? 0);
        }

        // UTF-8 takes more than one byte for non-ASCII text; the writer grows the buffer when the guess is short.
        return Math.Min(characters + (characters / 4), 1 << 20);
    }

    private ChatCompletionUpdate? ParseEvent(Call call, AnthropicMessagesStreamParser parser, ServerSentEvent sse)
    {
        ChatCompletionUpdate? update;
        AnthropicError? error;
        try
        {
            update = parser.Parse(sse.EventType, sse.Data.Span, out error);
        }
        catch (JsonException ex)
        {
            throw transport.MalformedEvent(call.Upstream, ex);
        }

        if (error is not null)
        {
            throw transport.FailedMidStream(call.Upstream, new UpstreamFailure(StreamFailure(call, error), error.Type));
        }

        return update;
    }

    /// <summary>
    /// An <c>error</c> event after the answer began: Anthropic's way to report, with HTTP 200 already sent, what would
    /// otherwise have been an error status. Its type says which.
    /// </summary>
    private static UpstreamException StreamFailure(Call call, AnthropicError error)
    {
        var provider = call.Provider;
        var detail = UpstreamErrorText.Scrub(error.Message, call.ApiKey);
        return error.Type switch
        {
            AnthropicError.Types.Authentication or AnthropicError.Types.Permission => new UpstreamException(
                ErrorKind.UpstreamAuth,
                provider,
                $"The {provider} provider refused the hub's credential mid-stream."),
            AnthropicError.Types.RateLimit => new UpstreamException(
                ErrorKind.UpstreamRateLimited,
                provider,
                $"The {provider} provider rate-limited the call mid-stream."),
            AnthropicError.Types.InvalidRequest or AnthropicError.Types.NotFound or AnthropicError.Types.RequestTooLarge => new UpstreamException(
                ErrorKind.UpstreamRejected,
                provider,
                detail ?? $"The {provider} provider rejected the request mid-stream."),
            AnthropicError.Types.Overloaded => new UpstreamException(
                ErrorKind.UpstreamUnavailable,
                provider,
                $"The {provider} provider was overloaded mid-stream."),
            _ => new UpstreamException(
                ErrorKind.UpstreamUnavailable,
                provider,
                detail is null ? $"The {provider} provider failed mid-stream." : $"The {provider} provider failed mid-stream: {detail}"),
        };
    }

    /// <summary>The error classifier: the status decides, but a 409 is not a verdict on the request and a 529 is an overload.</summary>
    private UpstreamFailure Failure(Call call, HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        var error = AnthropicMessagesResponseParser.TryParseError(body);
        var exception = response.StatusCode switch
        {
            HttpStatusCode.Conflict or HttpStatusCode.RequestTimeout => UpstreamFailures.FromStatus(ErrorKind.UpstreamUnavailable, call.Provider, status, null, null, null),
            (HttpStatusCode)529 => new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider is overloaded (HTTP 529).", status),
            var other => UpstreamFailures.FromStatus(UpstreamFailures.KindOfStatus(other), call.Provider, status, error?.Message, call.ApiKey, transport.RetryAfter(response)),
        };
        return new UpstreamFailure(exception, error?.Type);
    }

    /// <summary>What one call needs to know about its target, worked out once.</summary>
    private sealed class Call
    {
        private Call(ProviderTarget target, ProviderChatRequest request, string apiKey, UpstreamLimits limits)
        {
            ModelPrefix = target.Provider + "/";
            ApiKey = apiKey;
            Endpoint = ResolveEndpoint(target.BaseUrl, MessagesPath);
            Request = request;
            AnswerTool = AnthropicJsonAnswerTool.NameFor(request.Settings);
            Upstream = new UpstreamCall(HttpClientName, target.Provider, request.Model, target.Credential.Id, apiKey, limits);
        }

        public UpstreamCall Upstream { get; }

        public string Provider => Upstream.Provider;

        public string ModelPrefix { get; }

        public string ApiKey { get; }

        public Uri Endpoint { get; }

        public ProviderChatRequest Request { get; }

        /// <summary>The tool whose input is a JSON answer (<see cref="AnthropicJsonAnswerTool"/>); null when none.</summary>
        public string? AnswerTool { get; }

        public static Call Start(ProviderTarget target, ProviderChatRequest request, UpstreamLimits limits)
        {
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(request);
            if (string.IsNullOrEmpty(target.Credential.ApiKey))
            {
                // A key pair (or nothing) where an API key belongs: this credential can never work here.
                throw new UpstreamException(
                    ErrorKind.UpstreamAuth,
                    target.Provider,
                    $"The {target.Provider} provider needs an API key credential; credential {target.Credential.Id} has none.");
            }

            return new Call(target, request, target.Credential.ApiKey, limits);
        }
    }
}
