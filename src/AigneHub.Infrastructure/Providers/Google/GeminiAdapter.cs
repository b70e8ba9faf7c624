using AigneHub.Infrastructure.Providers.ServerSentEvents;

namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// The Google Gemini API adapter: <c>POST {BaseUrl}/v1beta/models/{model}:generateContent</c> (JSON) and
/// <c>:streamGenerateContent?alt=sse</c> (one <c>GenerateContentResponse</c> per server-sent event, no end marker),
/// the key in the <c>x-goog-api-key</c> header and never in the URL. The adapter writes the request, reads the answer
/// and classifies an error answer; the <see cref="UpstreamTransport"/> does the HTTP exchange (deadlines, error body,
/// transport failures, logging).
/// </summary>
internal sealed class GeminiAdapter(UpstreamTransport transport, IOptions<GeminiAdapterOptions> options) : IChatAdapter, ICredentialProbe
{
    public const string ProtocolName = "google-gemini";

    public const string HttpClientName = ProtocolName;

    private const string ApiKeyHeader = "x-goog-api-key";

    public string Protocol => ProtocolName;

    public Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request, stream: false, options.Value);
        return transport.SendAsync(
            call.Upstream,
            () => CreateRequest(call, request),
            (response, body) => Failure(call, response, body),
            (_, body) => ReadCompletion(call, body),
            static completion => completion.Usage,
            cancellationToken);
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderTarget target,
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request, stream: true, options.Value);
        await using var stream = await transport.OpenStreamAsync(
            call.Upstream,
            () => CreateRequest(call, request),
            (response, body) => Failure(call, response, body),
            static body => new ServerSentEventReader(body),
            cancellationToken).ConfigureAwait(false);

        var created = transport.Time.GetUtcNow();
        string? id = null;
        string? finishReason = null;
        TokenUsage? usage = null;
        var toolCalls = 0;
        while (await stream.ReadNextAsync(answerComplete: finishReason is not null).ConfigureAwait(false))
        {
            var chunk = ReadChunk(call, stream.Events.Current.Data);

            // Every chunk repeats the usage so far; the last one is the whole answer's.
            usage = chunk.Usage ?? usage;
            if (!chunk.HasCandidate)
            {
                if (chunk.BlockReason is { } blockReason)
                {
                    throw PromptBlocked(call, blockReason);
                }

                continue;
            }

            if (id is null)
            {
                id = chunk.ResponseId ?? NewId();
                // As OpenAI: a text answer starts with content "", a call-only answer with content null.
                var callsOnly = string.IsNullOrEmpty(chunk.Text) && chunk.FunctionCalls is { Count: > 0 };
                yield return new ChatCompletionUpdate(id, created, call.HubModel, "assistant", callsOnly ? null : string.Empty, null, null);
            }

            if (!string.IsNullOrEmpty(chunk.Text))
            {
                yield return new ChatCompletionUpdate(id, created, call.HubModel, null, chunk.Text, null, null);
            }

            if (chunk.FunctionCalls is { } functionCalls)
            {
                // Gemini sends every call whole: one delta per call carries its id, name and all its arguments, and
                // calls are numbered across the whole answer, in the order they arrive.
                var deltas = new ToolCallDelta[functionCalls.Count];
                for (var i = 0; i < deltas.Length; i++)
                {
                    var functionCall = functionCalls[i];
                    deltas[i] = new ToolCallDelta(
                        toolCalls++,
                        GeminiToolCallId.Create(functionCall.Id, functionCall.ThoughtSignature),
                        functionCall.Name,
                        functionCall.Arguments);
                }

                yield return new ChatCompletionUpdate(id, created, call.HubModel, null, null, null, null, ToolCallDeltas: deltas);
            }

            // Relayed once the body ends, not as it comes: some models repeat the finish reason on every chunk, and
            // the hub's streams carry content first and one finish update after it.
            finishReason = chunk.FinishReason ?? finishReason;
        }

        if (finishReason is null)
        {
            throw transport.StreamEndedEarly(call.Upstream);
        }

        // Gemini says STOP when it stops to call functions, often on a chunk after the one with the calls.
        if (toolCalls > 0 && finishReason == GeminiResponseReader.FinishReasons.Stop)
        {
            finishReason = GeminiResponseReader.FinishReasons.ToolCalls;
        }

        id ??= NewId();
        yield return new ChatCompletionUpdate(id, created, call.HubModel, null, null, finishReason, null);
        transport.StreamFinished(call.Upstream, usage);
        if (usage is { } total)
        {
            yield return new ChatCompletionUpdate(id, created, call.HubModel, null, null, null, total);
        }
    }

    /// <summary>Lists the upstream's models (<c>GET {BaseUrl}/v1beta/models</c>) with the target's key: authenticated, and free.</summary>
    public async Task<ProbeResult> ProbeAsync(ProviderTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!target.BaseUrl.IsAbsoluteUri || (target.BaseUrl.Scheme != Uri.UriSchemeHttps && target.BaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The {ProtocolName} protocol needs an absolute http(s) base URL.", nameof(target));
        }

        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(ApiRoot(target.BaseUrl) + "/models", UriKind.Absolute));
        message.Headers.TryAddWithoutValidation(ApiKeyHeader, target.Credential.ApiKey ?? string.Empty);
        message.Headers.TryAddWithoutValidation("Accept", "application/json");

        // A wrong or expired key is a 400 INVALID_ARGUMENT, told apart from a bad request only by its reason.
        return await transport.ProbeAsync(
            HttpClientName,
            message,
            target.Provider,
            options.Value,
            (status, body) => status == HttpStatusCode.BadRequest && GeminiResponseReader.TryReadError(body) is { IsInvalidApiKey: true },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The endpoint for a model under a base URL; a base URL that already ends with "/v1beta" is taken as is.</summary>
    internal static Uri Endpoint(Uri baseUrl, string model, bool stream)
    {
        var root = ApiRoot(baseUrl);

        // Gemini names models "models/{id}"; either form of the id is accepted.
        var id = model.StartsWith("models/", StringComparison.Ordinal) ? model["models/".Length..] : model;
        var method = stream ? ":streamGenerateContent?alt=sse" : ":generateContent";
        return new Uri($"{root}/models/{Uri.EscapeDataString(id)}{method}", UriKind.Absolute);
    }

    /// <summary>"{BaseUrl}/v1beta", whether or not the base URL already ends with it.</summary>
    internal static string ApiRoot(Uri baseUrl)
    {
        var root = baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return root.EndsWith("/v1beta", StringComparison.Ordinal) ? root : root + "/v1beta";
    }

    private static HttpRequestMessage CreateRequest(Call call, ProviderChatRequest request)
    {
        var body = new ArrayBufferWriter<byte>(EstimateBodySize(request));
        GeminiRequestWriter.Write(body, request, call.Provider);

        var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var message = new HttpRequestMessage(HttpMethod.Post, call.Endpoint) { Content = content };
        message.Headers.TryAddWithoutValidation(ApiKeyHeader, call.ApiKey);
        message.Headers.TryAddWithoutValidation("Accept", call.Stream ? "text/event-stream" : "application/json");
        return message;
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

    private ChatCompletion ReadCompletion(Call call, byte[] body)
    {
        var answer = GeminiResponseReader.Read(body);
        if (answer.Error is { } error)
        {
            throw FailedInBody(call, error);
        }

        if (!answer.HasCandidate)
        {
            throw answer.BlockReason is { } blockReason
                ? PromptBlocked(call, blockReason)
                : new JsonException("The response has neither candidates nor a block reason.");
        }

        return new ChatCompletion(
            answer.ResponseId ?? NewId(),
            transport.Time.GetUtcNow(),
            call.HubModel,
            answer.Text,
            answer.FinishReason ?? (answer.FunctionCalls is null ? GeminiResponseReader.FinishReasons.Stop : GeminiResponseReader.FinishReasons.ToolCalls),
            answer.Usage ?? default,
            SystemFingerprint: null,
            ToolCalls(answer.FunctionCalls));
    }

    private GeminiResponse ReadChunk(Call call, ReadOnlyMemory<byte> data)
    {
        GeminiResponse chunk;
        try
        {
            chunk = GeminiResponseReader.Read(data.Span);
        }
        catch (JsonException ex)
        {
            throw transport.MalformedEvent(call.Upstream, ex);
        }

        if (chunk.Error is { } error)
        {
            throw FailedInBody(call, error);
        }

        return chunk;
    }

    /// <summary>An error envelope where a response was expected (a stream that failed after it started).</summary>
    private UpstreamException FailedInBody(Call call, GeminiError error)
    {
        var detail = UpstreamErrorText.Scrub(error.Message, call.ApiKey);
        var exception = new UpstreamException(
            ErrorKind.UpstreamUnavailable,
            call.Provider,
            detail is null ? $"The {call.Provider} provider failed mid-answer." : $"The {call.Provider} provider failed mid-answer: {detail}");
        return transport.FailedMidStream(call.Upstream, new UpstreamFailure(exception, ErrorLabel(error)));
    }

    private UpstreamException PromptBlocked(Call call, string blockReason)
    {
        var reason = call.Upstream.Label(blockReason) ?? "unspecified";
        return transport.Refused(
            call.Upstream,
            new UpstreamException(
                ErrorKind.UpstreamRejected,
                call.Provider,
                $"The {call.Provider} provider blocked the prompt and gave no answer (block reason {reason})."),
            reason);
    }

    /// <summary>
    /// The error classifier: a wrong or expired key is a 400 INVALID_ARGUMENT, told apart from a bad request only by its
    /// reason; a 429 may say how long to wait in its body; any other 4xx but 408 rejects the request.
    /// </summary>
    private UpstreamFailure Failure(Call call, HttpResponseMessage response, byte[] body)
    {
        var status = (int)response.StatusCode;
        var error = GeminiResponseReader.TryReadError(body);
        var kind = response.StatusCode switch
        {
            HttpStatusCode.BadRequest when error is { IsInvalidApiKey: true } => ErrorKind.UpstreamAuth,
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ErrorKind.UpstreamAuth,
            HttpStatusCode.TooManyRequests => ErrorKind.UpstreamRateLimited,
            HttpStatusCode.RequestTimeout => ErrorKind.UpstreamUnavailable,
            _ when status is >= 400 and < 500 => ErrorKind.UpstreamRejected,
            _ => ErrorKind.UpstreamUnavailable,
        };
        var retryAfter = kind == ErrorKind.UpstreamRateLimited ? transport.RetryAfter(response) ?? error?.RetryDelay : null;
        return new UpstreamFailure(UpstreamFailures.FromStatus(kind, call.Provider, status, error?.Message, call.ApiKey, retryAfter), ErrorLabel(error));
    }

    private static string? ErrorLabel(GeminiError? error) => error?.Reason is { } reason ? $"{error.Status}/{reason}" : error?.Status;

    private static ToolCall[]? ToolCalls(IReadOnlyList<GeminiFunctionCall>? calls) =>
        calls?.Select(c => new ToolCall(GeminiToolCallId.Create(c.Id, c.ThoughtSignature), c.Name, c.Arguments)).ToArray();

    /// <summary>Used when Gemini leaves out <c>responseId</c>.</summary>
    private static string NewId() => "gemini-" + Guid.NewGuid().ToString("N");

    /// <summary>One call's target, resolved. Not a record: its generated ToString would print the key.</summary>
    private sealed class Call
    {
        private Call(UpstreamCall upstream, string apiKey, Uri endpoint, bool stream)
        {
            Upstream = upstream;
            ApiKey = apiKey;
            Endpoint = endpoint;
            Stream = stream;
        }

        public UpstreamCall Upstream { get; }

        public string Provider => Upstream.Provider;

        /// <summary>The model as the hub names it ("google/gemini-2.5-flash").</summary>
        public string HubModel => Upstream.Model;

        public string ApiKey { get; }

        public Uri Endpoint { get; }

        public bool Stream { get; }

        /// <exception cref="ArgumentException">The target or request cannot be used with this protocol (a hub bug).</exception>
        public static Call Start(ProviderTarget target, ProviderChatRequest request, bool stream, UpstreamLimits limits)
        {
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(request);
            ArgumentException.ThrowIfNullOrEmpty(request.Model, nameof(request));
            var apiKey = target.Credential.ApiKey;
            if (string.IsNullOrEmpty(apiKey))
            {
                throw new ArgumentException($"The {ProtocolName} protocol needs an API key credential; credential {target.Credential.Id} has none.", nameof(target));
            }

            if (!target.BaseUrl.IsAbsoluteUri || (target.BaseUrl.Scheme != Uri.UriSchemeHttps && target.BaseUrl.Scheme != Uri.UriSchemeHttp))
            {
                throw new ArgumentException($"The {ProtocolName} protocol needs an absolute http(s) base URL.", nameof(target));
            }

            var upstream = new UpstreamCall(HttpClientName, target.Provider, target.Provider + "/" + request.Model, target.Credential.Id, apiKey, limits);
            return new Call(upstream, apiKey, GeminiAdapter.Endpoint(target.BaseUrl, request.Model, stream), stream);
        }
    }
}
