using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.ServerSentEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>
/// The Anthropic Messages protocol (<c>POST {BaseUrl}/v1/messages</c>, JSON and SSE), for any target that speaks it.
/// It enforces its own timeouts, so that a timeout (<see cref="ErrorKind.UpstreamTimeout"/>) can be told apart from
/// the caller giving up (<see cref="OperationCanceledException"/>), and turns every upstream failure into an
/// <see cref="UpstreamException"/> whose message holds neither the key nor the upstream's body.
/// </summary>
internal sealed partial class AnthropicMessagesAdapter : IChatAdapter, ICredentialProbe
{
    public const string ProtocolName = "anthropic-messages";

    public const string HttpClientName = ProtocolName;

    private const string MessagesPath = "/v1/messages";

    private const string ModelsPath = "/v1/models";

    // Error bodies are read only to find Anthropic's error message; a larger one is cut, not buffered whole.
    private const int MaxErrorBodyBytes = 64 * 1024;

    // After message_stop the body should end at once; reading to its end lets the connection be reused.
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(2);

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<AnthropicMessagesAdapter> _logger;
    private readonly string _anthropicVersion;
    private readonly int _defaultMaxTokens;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _streamIdleTimeout;

    public AnthropicMessagesAdapter(
        IHttpClientFactory httpClientFactory,
        IOptions<AnthropicAdapterOptions> options,
        TimeProvider time,
        ILogger<AnthropicMessagesAdapter> logger)
    {
        var settings = options.Value;
        _httpClientFactory = httpClientFactory;
        _time = time;
        _logger = logger;
        _anthropicVersion = settings.AnthropicVersion;
        _defaultMaxTokens = settings.DefaultMaxTokens;
        _timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        _streamIdleTimeout = TimeSpan.FromSeconds(settings.StreamIdleTimeoutSeconds);
    }

    public string Protocol => ProtocolName;

    public async Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var message = CreateRequest(call, stream: false);
            using var response = await CreateClient()
                .SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token)
                .ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Failure(call, response, body);
            }

            var completion = AnthropicMessagesResponseParser.ParseMessage(body, call.ModelPrefix, request.Model, _time.GetUtcNow(), call.AnswerTool);
            Log.Completed(_logger, call.Provider, completion.Model, call.CredentialId, completion.Usage.PromptTokens, completion.Usage.CompletionTokens, call.ElapsedMs);
            return completion;
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(call, ex, Phase.Response, cancellationToken);
        }
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderTarget target,
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = Call.Start(target, request);

        // One source for the whole stream: armed for the headers, then re-armed around every read, so a consumer
        // that is slow to ask for the next update is never taken for a stalled upstream.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Disposing the response (when the stream ends, fails, or the consumer stops early) closes the connection
        // mid-body, which is how the upstream learns the answer is no longer wanted.
        using var response = await SendStreamingAsync(call, timeout, cancellationToken).ConfigureAwait(false);
        var body = await ReadStreamAsync(call, response, timeout, cancellationToken).ConfigureAwait(false);
        await using var events = new ServerSentEventReader(body);

        var parser = new AnthropicMessagesStreamParser(call.ModelPrefix, request.Model, _time.GetUtcNow(), call.AnswerTool);
        while (await ReadEventAsync(call, events, timeout, cancellationToken).ConfigureAwait(false))
        {
            var update = ParseEvent(call, parser, events.Current);
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
            Log.StreamEndedEarly(_logger, call.Provider, parser.Model, call.CredentialId);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider's stream ended early.");
        }

        if (!parser.SawFinishReason)
        {
            yield return parser.DefaultFinishUpdate();
        }

        if (parser.UsageUpdate() is { Usage: { } usage } usageUpdate)
        {
            Log.Completed(_logger, call.Provider, parser.Model, call.CredentialId, usage.PromptTokens, usage.CompletionTokens, call.ElapsedMs);
            yield return usageUpdate;
        }
        else
        {
            Log.StreamWithoutUsage(_logger, call.Provider, parser.Model);
        }

        await DrainAsync(events, timeout).ConfigureAwait(false);
    }

    /// <summary>Lists the upstream's models (<c>GET {BaseUrl}/v1/models</c>) with the target's key: authenticated, and free.</summary>
    public async Task<ProbeResult> ProbeAsync(ProviderTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!target.BaseUrl.IsAbsoluteUri || (target.BaseUrl.Scheme != Uri.UriSchemeHttp && target.BaseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The target's base URL must be an absolute http or https URL.", nameof(target));
        }

        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(target.BaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + ModelsPath, UriKind.Absolute));
        message.Headers.TryAddWithoutValidation("x-api-key", target.Credential.ApiKey ?? string.Empty);
        message.Headers.TryAddWithoutValidation("anthropic-version", _anthropicVersion);
        message.Headers.TryAddWithoutValidation("Accept", "application/json");
        return await UpstreamProbe.SendAsync(CreateClient(), message, target.Provider, _timeout, isRefusal: null, cancellationToken).ConfigureAwait(false);
    }

    private HttpClient CreateClient() => _httpClientFactory.CreateClient(HttpClientName);

    private HttpRequestMessage CreateRequest(Call call, bool stream)
    {
        var body = new ArrayBufferWriter<byte>(EstimateBodySize(call.Request));
        try
        {
            AnthropicMessagesRequestWriter.Write(body, call.Request, _defaultMaxTokens, stream, call.AnswerTool);
        }
        catch (NotSupportedException ex)
        {
            throw new UpstreamException(ErrorKind.UpstreamRejected, call.Provider, $"The {call.Provider} provider cannot take this request: {ex.Message}");
        }

        var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = JsonContentType;

        var message = new HttpRequestMessage(HttpMethod.Post, call.Endpoint) { Content = content };
        message.Headers.TryAddWithoutValidation("x-api-key", call.ApiKey);
        message.Headers.TryAddWithoutValidation("anthropic-version", _anthropicVersion);
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

    private async Task<HttpResponseMessage> SendStreamingAsync(Call call, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        timeout.CancelAfter(_timeout);
        HttpResponseMessage? response = null;
        try
        {
            using var message = CreateRequest(call, stream: true);
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
                throw Translate(call, ex, Phase.Response, cancellationToken);
            }

            throw;
        }
    }

    private async Task<Stream> ReadStreamAsync(Call call, HttpResponseMessage response, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(call, ex, Phase.Response, cancellationToken);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadEventAsync(Call call, ServerSentEventReader events, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        timeout.CancelAfter(_streamIdleTimeout);
        try
        {
            return await events.ReadNextAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(call, ex, Phase.Stream, cancellationToken);
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Reads whatever follows <c>message_stop</c> (normally just the end of the body), so that the connection goes
    /// back to the pool instead of being closed. The answer is complete: nothing here can fail the call.
    /// </summary>
    private static async Task DrainAsync(ServerSentEventReader events, CancellationTokenSource timeout)
    {
        timeout.CancelAfter(DrainLimit);
        try
        {
            while (await events.ReadNextAsync(timeout.Token).ConfigureAwait(false))
            {
            }
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            // The response is disposed next, which closes a connection left in an unknown state.
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
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
            Log.MalformedResponse(_logger, call.Provider, call.Request.Model, ex.GetType().Name);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider sent a malformed stream event.");
        }

        if (error is not null)
        {
            throw StreamFailure(call, error);
        }

        return update;
    }

    /// <summary>
    /// An <c>error</c> event after the answer began: Anthropic's way to report, with HTTP 200 already sent, what would
    /// otherwise have been an error status. Its type says which.
    /// </summary>
    private UpstreamException StreamFailure(Call call, AnthropicError error)
    {
        var provider = call.Provider;
        Log.StreamError(_logger, provider, call.Request.Model, call.CredentialId, Clean(error.Type, call.ApiKey));
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

    private UpstreamException Failure(Call call, HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        var provider = call.Provider;
        var status = (int)response.StatusCode;
        var error = AnthropicMessagesResponseParser.TryParseError(body);
        Log.UpstreamFailed(_logger, provider, status, Clean(error?.Type, call.ApiKey), call.Request.Model, call.CredentialId);

        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                return new UpstreamException(
                    ErrorKind.UpstreamAuth,
                    provider,
                    $"The {provider} provider refused the hub's credential (HTTP {status}).",
                    status);
            case HttpStatusCode.TooManyRequests:
                return new UpstreamException(
                    ErrorKind.UpstreamRateLimited,
                    provider,
                    $"The {provider} provider rate-limited the call (HTTP {status}).",
                    status,
                    RetryAfter(response));
            case HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity:
                return new UpstreamException(
                    ErrorKind.UpstreamRejected,
                    provider,
                    UpstreamErrorText.Rejected(provider, error?.Message, call.ApiKey, status),
                    status);
            default:
                // 529 (overloaded_error), 500 (api_error), other 5xx, and statuses Anthropic does not document.
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    provider,
                    status == 529 ? $"The {provider} provider is overloaded (HTTP 529)." : $"The {provider} provider failed (HTTP {status}).",
                    status);
        }
    }

    /// <summary>How long the upstream asked to wait (<c>retry-after</c>, in seconds or as an HTTP date), at most a day.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var maximum = TimeSpan.FromDays(1);
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < maximum ? delta : maximum;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < maximum ? wait : maximum;
        }

        return null;
    }

    private static bool IsTransportFailure(Exception ex) =>
        ex is OperationCanceledException or HttpRequestException or IOException or JsonException or InvalidDataException;

    /// <summary>
    /// The caller's cancellation stays a cancellation; our own deadline becomes a timeout; anything else the
    /// transport or the parser threw means the upstream could not give a usable answer.
    /// </summary>
    private Exception Translate(Call call, Exception ex, Phase phase, CancellationToken cancellationToken)
    {
        var provider = call.Provider;
        var model = call.Request.Model;
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The caller cancelled the call.", ex, cancellationToken);
        }

        switch (ex)
        {
            case OperationCanceledException:
                var limit = phase == Phase.Stream ? _streamIdleTimeout : _timeout;
                Log.TimedOut(_logger, provider, model, call.CredentialId, phase, limit.TotalSeconds);
                return new UpstreamException(
                    ErrorKind.UpstreamTimeout,
                    provider,
                    phase == Phase.Stream
                        ? $"The {provider} provider's stream stalled for more than {limit.TotalSeconds:0} s."
                        : $"The {provider} provider did not answer within {limit.TotalSeconds:0} s.",
                    inner: ex);
            case JsonException:
                Log.MalformedResponse(_logger, provider, model, ex.GetType().Name);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider returned a malformed response.");
            case InvalidDataException:
                Log.MalformedResponse(_logger, provider, model, ex.GetType().Name);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider sent a stream event that is too large.");
            case HttpRequestException when phase == Phase.Response:
                Log.Unreachable(_logger, provider, model, call.CredentialId, ex);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider could not be reached.", inner: ex);
            default:
                Log.ConnectionLost(_logger, provider, model, call.CredentialId, ex);
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

    /// <summary>An upstream-chosen label (an error type) made fit for a log line.</summary>
    private static string? Clean(string? label, string apiKey) => UpstreamErrorText.Scrub(label, apiKey, maxLength: 64);

    internal enum Phase
    {
        /// <summary>Sending the request and receiving the response (headers, or the whole body when not streamed).</summary>
        Response,

        /// <summary>Reading a streamed body.</summary>
        Stream,
    }

    /// <summary>What one call needs to know about its target, worked out once.</summary>
    private sealed class Call
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        private Call(ProviderTarget target, ProviderChatRequest request, string apiKey)
        {
            Provider = target.Provider;
            ModelPrefix = target.Provider + "/";
            CredentialId = target.Credential.Id;
            ApiKey = apiKey;
            Endpoint = ResolveEndpoint(target.BaseUrl);
            Request = request;
            AnswerTool = AnthropicJsonAnswerTool.NameFor(request.Settings);
        }

        public string Provider { get; }

        public string ModelPrefix { get; }

        /// <summary>The credential's id, which is not secret and names it in logs.</summary>
        public string CredentialId { get; }

        public string ApiKey { get; }

        public Uri Endpoint { get; }

        public ProviderChatRequest Request { get; }

        /// <summary>The tool whose input is a JSON answer (<see cref="AnthropicJsonAnswerTool"/>); null when none.</summary>
        public string? AnswerTool { get; }

        public double ElapsedMs => Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

        public static Call Start(ProviderTarget target, ProviderChatRequest request)
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

            return new Call(target, request, target.Credential.ApiKey);
        }

        /// <summary>"{BaseUrl}/v1/messages", whether or not the base URL ends with '/'.</summary>
        private static Uri ResolveEndpoint(Uri baseUrl)
        {
            if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException("The target's base URL must be an absolute http or https URL.", nameof(baseUrl));
            }

            return new Uri(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + MessagesPath, UriKind.Absolute);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
            Message = "Provider {Provider} answered with {Model} (credential {CredentialId}): {PromptTokens} prompt and {CompletionTokens} completion tokens in {ElapsedMs:0} ms")]
        public static partial void Completed(ILogger logger, string provider, string model, string credentialId, int promptTokens, int completionTokens, double elapsedMs);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
            Message = "Provider {Provider} answered HTTP {Status} (type {ErrorType}) for model {Model} (credential {CredentialId})")]
        public static partial void UpstreamFailed(ILogger logger, string provider, int status, string? errorType, string model, string credentialId);

        [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
            Message = "Provider {Provider} could not be reached for model {Model} (credential {CredentialId})")]
        public static partial void Unreachable(ILogger logger, string provider, string model, string credentialId, Exception exception);

        [LoggerMessage(EventId = 4, Level = LogLevel.Warning,
            Message = "Provider {Provider} lost the connection for model {Model} (credential {CredentialId})")]
        public static partial void ConnectionLost(ILogger logger, string provider, string model, string credentialId, Exception exception);

        [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
            Message = "Provider {Provider} timed out for model {Model} (credential {CredentialId}) while waiting for the {Phase} (limit {LimitSeconds} s)")]
        public static partial void TimedOut(ILogger logger, string provider, string model, string credentialId, Phase phase, double limitSeconds);

        [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
            Message = "Provider {Provider} sent a malformed answer for model {Model} ({Failure})")]
        public static partial void MalformedResponse(ILogger logger, string provider, string model, string failure);

        [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
            Message = "Provider {Provider} ended the stream for model {Model} (credential {CredentialId}) before message_stop")]
        public static partial void StreamEndedEarly(ILogger logger, string provider, string model, string credentialId);

        [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
            Message = "Provider {Provider} sent an error event mid-stream for model {Model} (credential {CredentialId}, type {ErrorType})")]
        public static partial void StreamError(ILogger logger, string provider, string model, string credentialId, string? errorType);

        [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
            Message = "Provider {Provider} streamed model {Model} without reporting usage; the call cannot be billed by tokens")]
        public static partial void StreamWithoutUsage(ILogger logger, string provider, string model);
    }
}
