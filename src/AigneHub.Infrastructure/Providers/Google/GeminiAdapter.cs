using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.ServerSentEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// The Google Gemini API adapter: <c>POST {BaseUrl}/v1beta/models/{model}:generateContent</c> (JSON) and
/// <c>:streamGenerateContent?alt=sse</c> (one <c>GenerateContentResponse</c> per server-sent event, no end marker),
/// the key in the <c>x-goog-api-key</c> header and never in the URL. It enforces its own timeouts, so that a timeout
/// (<see cref="ErrorKind.UpstreamTimeout"/>) can be told apart from the caller giving up
/// (<see cref="OperationCanceledException"/>), and turns every upstream failure into an <see cref="UpstreamException"/>
/// whose message holds neither the key nor the upstream's body.
/// </summary>
internal sealed partial class GeminiAdapter : IChatAdapter, ICredentialProbe
{
    public const string ProtocolName = "google-gemini";

    public const string HttpClientName = ProtocolName;

    private const string ApiKeyHeader = "x-goog-api-key";

    // Error bodies are read only to find Gemini's error message; a larger one is cut, not buffered whole.
    private const int MaxErrorBodyBytes = 64 * 1024;

    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<GeminiAdapter> _logger;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _streamIdleTimeout;

    public GeminiAdapter(
        IHttpClientFactory httpClientFactory,
        IOptions<GeminiAdapterOptions> options,
        TimeProvider time,
        ILogger<GeminiAdapter> logger)
    {
        var settings = options.Value;
        _httpClientFactory = httpClientFactory;
        _time = time;
        _logger = logger;
        _timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        _streamIdleTimeout = TimeSpan.FromSeconds(settings.StreamIdleTimeoutSeconds);
    }

    public string Protocol => ProtocolName;

    public async Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request, stream: false);
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var message = CreateRequest(call, request);
            using var response = await CreateClient()
                .SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token)
                .ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Failure(call, response, body);
            }

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

            var usage = answer.Usage ?? default;
            Log.Completed(_logger, call.Provider, call.HubModel, call.CredentialId, usage.PromptTokens, usage.CompletionTokens, Elapsed(started));
            return new ChatCompletion(
                answer.ResponseId ?? NewId(),
                _time.GetUtcNow(),
                call.HubModel,
                answer.Text,
                answer.FinishReason ?? (answer.FunctionCalls is null ? GeminiResponseReader.FinishReasons.Stop : GeminiResponseReader.FinishReasons.ToolCalls),
                usage,
                SystemFingerprint: null,
                ToolCalls(answer.FunctionCalls));
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(ex, call, Phase.Response, cancellationToken);
        }
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderTarget target,
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request, stream: true);
        var started = Stopwatch.GetTimestamp();

        // One source for the whole stream: armed for the headers, then re-armed around every read, so a consumer
        // that is slow to ask for the next update is never taken for a stalled upstream.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Disposing the response (when the stream ends, fails, or the consumer stops early) closes the connection
        // mid-body, which is how the upstream learns the answer is no longer wanted.
        using var response = await SendStreamingAsync(call, request, timeout, cancellationToken).ConfigureAwait(false);
        var body = await ReadStreamAsync(response, call, timeout, cancellationToken).ConfigureAwait(false);
        await using var events = new ServerSentEventReader(body);

        var created = _time.GetUtcNow();
        string? id = null;
        string? finishReason = null;
        TokenUsage? usage = null;
        var toolCalls = 0;
        while (await ReadEventAsync(events, call, finishReason is not null, timeout, cancellationToken).ConfigureAwait(false))
        {
            var chunk = ReadChunk(call, events.Current.Data);

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
            Log.StreamEndedEarly(_logger, call.Provider, call.HubModel);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider's stream ended early.");
        }

        // Gemini says STOP when it stops to call functions, often on a chunk after the one with the calls.
        if (toolCalls > 0 && finishReason == GeminiResponseReader.FinishReasons.Stop)
        {
            finishReason = GeminiResponseReader.FinishReasons.ToolCalls;
        }

        id ??= NewId();
        yield return new ChatCompletionUpdate(id, created, call.HubModel, null, null, finishReason, null);
        if (usage is { } total)
        {
            Log.Completed(_logger, call.Provider, call.HubModel, call.CredentialId, total.PromptTokens, total.CompletionTokens, Elapsed(started));
            yield return new ChatCompletionUpdate(id, created, call.HubModel, null, null, null, total);
        }
        else
        {
            Log.StreamWithoutUsage(_logger, call.Provider, call.HubModel);
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
        message.Headers.TryAddWithoutValidation("x-goog-api-key", target.Credential.ApiKey ?? string.Empty);
        message.Headers.TryAddWithoutValidation("Accept", "application/json");

        // A wrong or expired key is a 400 INVALID_ARGUMENT, told apart from a bad request only by its reason.
        return await UpstreamProbe.SendAsync(
            CreateClient(),
            message,
            target.Provider,
            _timeout,
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

    private HttpClient CreateClient() => _httpClientFactory.CreateClient(HttpClientName);

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

    private async Task<HttpResponseMessage> SendStreamingAsync(
        Call call,
        ProviderChatRequest request,
        CancellationTokenSource timeout,
        CancellationToken cancellationToken)
    {
        timeout.CancelAfter(_timeout);
        HttpResponseMessage? response = null;
        try
        {
            using var message = CreateRequest(call, request);
            response = await CreateClient()
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadErrorBodyAsync(response.Content, timeout.Token).ConfigureAwait(false);
                throw Failure(call, response, body);
            }

            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            return response;
        }
        catch (Exception ex)
        {
            response?.Dispose();
            if (IsTransportFailure(ex))
            {
                throw Translate(ex, call, Phase.Response, cancellationToken);
            }

            throw;
        }
    }

    private async Task<Stream> ReadStreamAsync(
        HttpResponseMessage response,
        Call call,
        CancellationTokenSource timeout,
        CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(ex, call, Phase.Response, cancellationToken);
        }
    }

    /// <param name="answerComplete">
    /// A finish reason has arrived: should the upstream then fall silent without closing the body, the answer is
    /// whole and the stream ends at the idle timeout instead of failing.
    /// </param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadEventAsync(
        ServerSentEventReader events,
        Call call,
        bool answerComplete,
        CancellationTokenSource timeout,
        CancellationToken cancellationToken)
    {
        timeout.CancelAfter(_streamIdleTimeout);
        try
        {
            return await events.ReadNextAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (answerComplete && !cancellationToken.IsCancellationRequested)
        {
            Log.StalledAfterFinish(_logger, call.Provider, call.HubModel, _streamIdleTimeout.TotalSeconds);
            return false;
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(ex, call, Phase.Stream, cancellationToken);
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
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
            Log.MalformedResponse(_logger, call.Provider, call.HubModel, ex.GetType().Name);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider sent a malformed stream event.");
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
        Log.StreamError(_logger, call.Provider, call.HubModel, error.Code, Label(error.Status, call), Label(error.Reason, call));
        var detail = UpstreamErrorText.Scrub(error.Message, call.ApiKey);
        return new UpstreamException(
            ErrorKind.UpstreamUnavailable,
            call.Provider,
            detail is null ? $"The {call.Provider} provider failed mid-answer." : $"The {call.Provider} provider failed mid-answer: {detail}");
    }

    private UpstreamException PromptBlocked(Call call, string blockReason)
    {
        var reason = Label(blockReason, call) ?? "unspecified";
        Log.PromptBlocked(_logger, call.Provider, call.HubModel, reason);
        return new UpstreamException(
            ErrorKind.UpstreamRejected,
            call.Provider,
            $"The {call.Provider} provider blocked the prompt and gave no answer (block reason {reason}).");
    }

    private UpstreamException Failure(Call call, HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        var status = (int)response.StatusCode;
        var error = GeminiResponseReader.TryReadError(body);
        Log.UpstreamFailed(_logger, call.Provider, status, Label(error?.Status, call), Label(error?.Reason, call), call.HubModel, call.CredentialId);

        // A wrong or expired key is a 400 INVALID_ARGUMENT, told apart from a bad request only by its reason.
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            || (response.StatusCode == HttpStatusCode.BadRequest && error is { IsInvalidApiKey: true }))
        {
            return new UpstreamException(
                ErrorKind.UpstreamAuth,
                call.Provider,
                $"The {call.Provider} provider refused the hub's credential (HTTP {status}).",
                status);
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return new UpstreamException(
                ErrorKind.UpstreamRateLimited,
                call.Provider,
                $"The {call.Provider} provider rate-limited the call (HTTP {status}).",
                status,
                RetryAfter(response) ?? error?.RetryDelay);
        }

        // 408 is a proxy giving up on the upstream, not a verdict on the request.
        if (status is >= 400 and < 500 && response.StatusCode != HttpStatusCode.RequestTimeout)
        {
            return new UpstreamException(
                ErrorKind.UpstreamRejected,
                call.Provider,
                UpstreamErrorText.Rejected(call.Provider, error?.Message, call.ApiKey, status),
                status);
        }

        return new UpstreamException(
            ErrorKind.UpstreamUnavailable,
            call.Provider,
            $"The {call.Provider} provider failed (HTTP {status}).",
            status);
    }

    /// <summary>How long the upstream asked to wait by the <c>Retry-After</c> header (seconds or an HTTP date).</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < MaxRetryAfter ? delta : MaxRetryAfter;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < MaxRetryAfter ? wait : MaxRetryAfter;
        }

        return null;
    }

    private static bool IsTransportFailure(Exception ex) =>
        ex is OperationCanceledException or HttpRequestException or IOException or JsonException or InvalidDataException;

    /// <summary>
    /// The caller's cancellation stays a cancellation; our own deadline becomes a timeout; anything else the
    /// transport or the parser threw means the upstream could not give a usable answer.
    /// </summary>
    private Exception Translate(Exception ex, Call call, Phase phase, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The caller cancelled the call.", ex, cancellationToken);
        }

        var provider = call.Provider;
        switch (ex)
        {
            case OperationCanceledException:
                var limit = phase == Phase.Stream ? _streamIdleTimeout : _timeout;
                Log.TimedOut(_logger, provider, call.HubModel, phase, limit.TotalSeconds);
                return new UpstreamException(
                    ErrorKind.UpstreamTimeout,
                    provider,
                    phase == Phase.Stream
                        ? $"The {provider} provider's stream stalled for more than {limit.TotalSeconds:0} s."
                        : $"The {provider} provider did not answer within {limit.TotalSeconds:0} s.",
                    inner: ex);
            case JsonException:
                Log.MalformedResponse(_logger, provider, call.HubModel, ex.GetType().Name);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider returned a malformed response.");
            case InvalidDataException:
                Log.MalformedResponse(_logger, provider, call.HubModel, ex.GetType().Name);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider sent a stream event that is too large.");
            case HttpRequestException when phase == Phase.Response:
                Log.Unreachable(_logger, provider, call.HubModel, ex);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider could not be reached.", inner: ex);
            default:
                Log.ConnectionLost(_logger, provider, call.HubModel, ex);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    provider,
                    phase == Phase.Stream
                        ? $"The {provider} provider's stream ended early."
                        : $"The {provider} provider closed the connection.",
                    inner: ex);
        }
    }

    private static async Task<byte[]> ReadErrorBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxErrorBodyBytes];
            var length = 0;
            int read;
            while (length < buffer.Length
                && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return buffer[..length];
        }
    }

    /// <summary>An upstream-chosen label (status, reason) made fit for a log line or a message.</summary>
    private static string? Label(string? label, Call call) => UpstreamErrorText.Scrub(label, call.ApiKey, maxLength: 64);

    private static ToolCall[]? ToolCalls(IReadOnlyList<GeminiFunctionCall>? calls) =>
        calls?.Select(c => new ToolCall(GeminiToolCallId.Create(c.Id, c.ThoughtSignature), c.Name, c.Arguments)).ToArray();

    /// <summary>Used when Gemini leaves out <c>responseId</c>.</summary>
    private static string NewId() => "gemini-" + Guid.NewGuid().ToString("N");

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    internal enum Phase
    {
        /// <summary>Sending the request and receiving the response (headers, or the whole body when not streamed).</summary>
        Response,

        /// <summary>Reading a streamed body.</summary>
        Stream,
    }

    /// <summary>One call's target, resolved. Not a record: its generated ToString would print the key.</summary>
    private sealed class Call
    {
        private Call(string provider, string hubModel, string credentialId, string apiKey, Uri endpoint, bool stream)
        {
            Provider = provider;
            HubModel = hubModel;
            CredentialId = credentialId;
            ApiKey = apiKey;
            Endpoint = endpoint;
            Stream = stream;
        }

        public string Provider { get; }

        /// <summary>The model as the hub names it ("google/gemini-2.5-flash").</summary>
        public string HubModel { get; }

        public string CredentialId { get; }

        public string ApiKey { get; }

        public Uri Endpoint { get; }

        public bool Stream { get; }

        /// <exception cref="ArgumentException">The target or request cannot be used with this protocol (a hub bug).</exception>
        public static Call Start(ProviderTarget target, ProviderChatRequest request, bool stream)
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

            return new Call(
                target.Provider,
                target.Provider + "/" + request.Model,
                target.Credential.Id,
                apiKey,
                GeminiAdapter.Endpoint(target.BaseUrl, request.Model, stream),
                stream);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
            Message = "Provider {Provider} answered with {Model} (credential {CredentialId}): {PromptTokens} prompt and {CompletionTokens} completion tokens in {ElapsedMs:0} ms")]
        public static partial void Completed(ILogger logger, string provider, string model, string credentialId, int promptTokens, int completionTokens, double elapsedMs);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
            Message = "Provider {Provider} answered HTTP {Status} (status {ErrorStatus}, reason {ErrorReason}) for model {Model} with credential {CredentialId}")]
        public static partial void UpstreamFailed(ILogger logger, string provider, int status, string? errorStatus, string? errorReason, string model, string credentialId);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
            Message = "Provider {Provider} could not be reached for model {Model}")]
        public static partial void Unreachable(ILogger logger, string provider, string model, Exception exception);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
            Message = "Provider {Provider} lost the connection for model {Model}")]
        public static partial void ConnectionLost(ILogger logger, string provider, string model, Exception exception);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
            Message = "Provider {Provider} timed out for model {Model} while waiting for the {Phase} (limit {LimitSeconds} s)")]
        public static partial void TimedOut(ILogger logger, string provider, string model, Phase phase, double limitSeconds);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
            Message = "Provider {Provider} sent a malformed answer for model {Model} ({Failure})")]
        public static partial void MalformedResponse(ILogger logger, string provider, string model, string failure);

        [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
            Message = "Provider {Provider} ended the stream for model {Model} before the answer was complete")]
        public static partial void StreamEndedEarly(ILogger logger, string provider, string model);

        [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
            Message = "Provider {Provider} sent an error in place of an answer for model {Model} (code {ErrorCode}, status {ErrorStatus}, reason {ErrorReason})")]
        public static partial void StreamError(ILogger logger, string provider, string model, int? errorCode, string? errorStatus, string? errorReason);

        [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
            Message = "Provider {Provider} streamed model {Model} without reporting usage; the call cannot be billed by tokens")]
        public static partial void StreamWithoutUsage(ILogger logger, string provider, string model);

        [LoggerMessage(EventId = 10, Level = LogLevel.Information,
            Message = "Provider {Provider} blocked the prompt for model {Model} (block reason {BlockReason})")]
        public static partial void PromptBlocked(ILogger logger, string provider, string model, string blockReason);

        [LoggerMessage(EventId = 11, Level = LogLevel.Warning,
            Message = "Provider {Provider} finished the answer for model {Model} but kept the stream open for {LimitSeconds} s; it was closed")]
        public static partial void StalledAfterFinish(ILogger logger, string provider, string model, double limitSeconds);
    }
}
