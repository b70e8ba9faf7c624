using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Configured;
using AigneHub.Infrastructure.Providers.ServerSentEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// The OpenAI Chat Completions protocol (<c>POST {BaseUrl}/chat/completions</c>, JSON and SSE), for every provider that
/// speaks it: openai, deepseek, openrouter, xai, doubao, poe, ollama's "/v1". Each call names its target; a provider's
/// quirks (extra headers, usage field names) come from its <see cref="ProviderProfile"/>. It enforces its own timeouts,
/// so that a timeout (<see cref="ErrorKind.UpstreamTimeout"/>) can be told apart from the caller giving up
/// (<see cref="OperationCanceledException"/>), and turns every upstream failure into an <see cref="UpstreamException"/>
/// that names the provider and holds neither the key nor the upstream's body.
/// </summary>
internal sealed partial class OpenAIChatAdapter : IChatAdapter, ICredentialProbe
{
    public const string ProtocolName = "openai-chat";

    public const string HttpClientName = ProtocolName;

    private const string EndpointPath = "chat/completions";

    private const string ModelsPath = "models";

    // Error bodies are read only to find OpenAI's error message; a larger one is cut, not buffered whole.
    private const int MaxErrorBodyBytes = 64 * 1024;

    private static ReadOnlySpan<byte> DoneMarker => "[DONE]"u8;

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly ProviderProfiles _profiles;
    private readonly TimeProvider _time;
    private readonly ILogger<OpenAIChatAdapter> _logger;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _streamIdleTimeout;

    // Base URLs come from operators (configuration, provider settings), so this stays as small as their number.
    private readonly ConcurrentDictionary<Uri, Uri> _endpoints = new();

    public OpenAIChatAdapter(
        IHttpClientFactory httpClientFactory,
        IOptions<ProviderHttpOptions> options,
        ProviderProfiles profiles,
        TimeProvider time,
        ILogger<OpenAIChatAdapter> logger)
    {
        var settings = options.Value;
        _httpClientFactory = httpClientFactory;
        _profiles = profiles;
        _time = time;
        _logger = logger;
        _timeout = settings.Timeout;
        _streamIdleTimeout = settings.StreamIdleTimeout;
    }

    public string Protocol => ProtocolName;

    public async Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = Prepare(target);
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var message = CreateRequest(call, request, stream: false);
            using var response = await CreateClient()
                .SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token)
                .ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Failure(call, response, body, request.Model);
            }

            var completion = OpenAIResponseParser.ParseCompletion(body, call.ModelPrefix, request.Model, _time.GetUtcNow(), call.CachedTokensAlias);
            Log.Completed(_logger, call.Provider, completion.Model, completion.Usage.PromptTokens, completion.Usage.CompletionTokens, Elapsed(started));
            return completion;
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(call, ex, request.Model, Phase.Response, cancellationToken);
        }
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderTarget target,
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = Prepare(target);
        var started = Stopwatch.GetTimestamp();

        // One source for the whole stream: armed for the headers, then re-armed around every read, so a consumer
        // that is slow to ask for the next update is never taken for a stalled upstream.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Disposing the response (when the stream ends, fails, or the consumer stops early) closes the connection
        // mid-body, which is how the upstream learns the answer is no longer wanted.
        using var response = await SendStreamingAsync(call, request, timeout, cancellationToken).ConfigureAwait(false);
        var body = await ReadStreamAsync(call, response, request.Model, timeout, cancellationToken).ConfigureAwait(false);
        await using var events = new ServerSentEventReader(body);

        var parser = new OpenAIStreamParser(call.ModelPrefix, request.Model, _time.GetUtcNow(), call.CachedTokensAlias);
        var sawDone = false;
        while (await ReadEventAsync(call, events, request.Model, timeout, cancellationToken).ConfigureAwait(false))
        {
            var data = events.Current.Data;
            if (data.Span.SequenceEqual(DoneMarker))
            {
                sawDone = true;
                break;
            }

            var update = ParseChunk(call, parser, data, request.Model);
            if (update is not null)
            {
                yield return update;
            }
        }

        if (!sawDone && !parser.SawFinishReason)
        {
            Log.StreamEndedEarly(_logger, call.Provider, request.Model);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider's stream ended early.");
        }

        if (parser.Usage is { } usage)
        {
            Log.Completed(_logger, call.Provider, parser.Model, usage.PromptTokens, usage.CompletionTokens, Elapsed(started));
        }
        else
        {
            Log.StreamWithoutUsage(_logger, call.Provider, parser.Model);
        }
    }

    /// <summary>Lists the upstream's models (<c>GET {BaseUrl}/models</c>) with the target's key: authenticated, and free.</summary>
    public async Task<ProbeResult> ProbeAsync(ProviderTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var call = new Call(target, ResolveEndpoint(target.BaseUrl, ModelsPath), _profiles.Find(target.Provider));
        using var message = new HttpRequestMessage(HttpMethod.Get, call.Endpoint);
        if (call.ApiKey is { } apiKey)
        {
            message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + apiKey);
        }

        message.Headers.TryAddWithoutValidation("Accept", "application/json");
        foreach (var (name, value) in call.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return await UpstreamProbe.SendAsync(CreateClient(), message, call.Provider, _timeout, isRefusal: null, cancellationToken).ConfigureAwait(false);
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

    private Call Prepare(ProviderTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var endpoint = _endpoints.GetOrAdd(target.BaseUrl, ResolveEndpoint);
        return new Call(target, endpoint, _profiles.Find(target.Provider));
    }

    private HttpClient CreateClient() => _httpClientFactory.CreateClient(HttpClientName);

    private static HttpRequestMessage CreateRequest(Call call, ProviderChatRequest request, bool stream)
    {
        var body = new ArrayBufferWriter<byte>(EstimateBodySize(request));
        OpenAIChatRequestWriter.Write(body, request, stream, call.SendsMaxCompletionTokens);

        var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var message = new HttpRequestMessage(HttpMethod.Post, call.Endpoint) { Content = content };
        if (call.ApiKey is { } apiKey)
        {
            message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + apiKey);
        }

        message.Headers.TryAddWithoutValidation("Accept", stream ? "text/event-stream" : "application/json");
        foreach (var (name, value) in call.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

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
            using var message = CreateRequest(call, request, stream: true);
            response = await CreateClient()
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadErrorBodyAsync(response.Content, timeout.Token).ConfigureAwait(false);
                throw Failure(call, response, body, request.Model);
            }

            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            return response;
        }
        catch (Exception ex)
        {
            response?.Dispose();
            if (IsTransportFailure(ex))
            {
                throw Translate(call, ex, request.Model, Phase.Response, cancellationToken);
            }

            throw;
        }
    }

    private async Task<Stream> ReadStreamAsync(
        Call call,
        HttpResponseMessage response,
        string model,
        CancellationTokenSource timeout,
        CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(call, ex, model, Phase.Response, cancellationToken);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadEventAsync(
        Call call,
        ServerSentEventReader events,
        string model,
        CancellationTokenSource timeout,
        CancellationToken cancellationToken)
    {
        timeout.CancelAfter(_streamIdleTimeout);
        try
        {
            return await events.ReadNextAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(call, ex, model, Phase.Stream, cancellationToken);
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private ChatCompletionUpdate? ParseChunk(Call call, OpenAIStreamParser parser, ReadOnlyMemory<byte> data, string model)
    {
        ChatCompletionUpdate? update;
        OpenAIError? error;
        try
        {
            update = parser.Parse(data.Span, out error);
        }
        catch (JsonException ex)
        {
            Log.MalformedResponse(_logger, call.Provider, model, ex.GetType().Name);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider sent a malformed stream event.");
        }

        if (error is not null)
        {
            Log.StreamError(_logger, call.Provider, model, Clean(call, error.Type), Clean(call, error.Code));
            var detail = UpstreamErrorText.Scrub(error.Message, call.ApiKey);
            throw new UpstreamException(
                ErrorKind.UpstreamUnavailable,
                call.Provider,
                detail is null ? $"The {call.Provider} provider failed mid-stream." : $"The {call.Provider} provider failed mid-stream: {detail}");
        }

        return update;
    }

    private UpstreamException Failure(Call call, HttpResponseMessage response, ReadOnlySpan<byte> body, string model)
    {
        var status = (int)response.StatusCode;
        var error = OpenAIResponseParser.TryParseError(body);
        Log.UpstreamFailed(_logger, call.Provider, status, Clean(call, error?.Type), Clean(call, error?.Code), model, call.CredentialId);

        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                return new UpstreamException(
                    ErrorKind.UpstreamAuth,
                    call.Provider,
                    $"The {call.Provider} provider refused the hub's credential (HTTP {status}).",
                    status);
            case HttpStatusCode.TooManyRequests:
                return new UpstreamException(
                    ErrorKind.UpstreamRateLimited,
                    call.Provider,
                    $"The {call.Provider} provider rate-limited the call (HTTP {status}).",
                    status,
                    RetryAfter(response));
            case HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict
                or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity:
                return new UpstreamException(
                    ErrorKind.UpstreamRejected,
                    call.Provider,
                    UpstreamErrorText.Rejected(call.Provider, error?.Message, call.ApiKey, status),
                    status);
            default:
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    call.Provider,
                    $"The {call.Provider} provider failed (HTTP {status}).",
                    status);
        }
    }

    /// <summary>How long the upstream asked to wait: <c>retry-after-ms</c> (OpenAI's precise form), else <c>Retry-After</c>.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response) => UpstreamFailures.RetryAfter(response, _time);

    private static bool IsTransportFailure(Exception ex) =>
        ex is OperationCanceledException or HttpRequestException or IOException or JsonException or InvalidDataException;

    /// <summary>
    /// The caller's cancellation stays a cancellation; our own deadline becomes a timeout; anything else the
    /// transport or the parser threw means the upstream could not give a usable answer.
    /// </summary>
    private Exception Translate(Call call, Exception ex, string model, Phase phase, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The caller cancelled the call.", ex, cancellationToken);
        }

        switch (ex)
        {
            case OperationCanceledException:
                var limit = phase == Phase.Stream ? _streamIdleTimeout : _timeout;
                Log.TimedOut(_logger, call.Provider, model, phase, limit.TotalSeconds);
                return new UpstreamException(
                    ErrorKind.UpstreamTimeout,
                    call.Provider,
                    phase == Phase.Stream
                        ? $"The {call.Provider} provider's stream stalled for more than {limit.TotalSeconds:0} s."
                        : $"The {call.Provider} provider did not answer within {limit.TotalSeconds:0} s.",
                    inner: ex);
            case JsonException:
                Log.MalformedResponse(_logger, call.Provider, model, ex.GetType().Name);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    call.Provider,
                    $"The {call.Provider} provider returned a malformed response.");
            case InvalidDataException:
                Log.MalformedResponse(_logger, call.Provider, model, ex.GetType().Name);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    call.Provider,
                    $"The {call.Provider} provider sent a stream event that is too large.");
            case HttpRequestException when phase == Phase.Response:
                Log.Unreachable(_logger, call.Provider, model, ex);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    call.Provider,
                    $"The {call.Provider} provider could not be reached.",
                    inner: ex);
            default:
                Log.ConnectionLost(_logger, call.Provider, model, ex);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    call.Provider,
                    phase == Phase.Stream
                        ? $"The {call.Provider} provider's stream ended early."
                        : $"The {call.Provider} provider closed the connection.",
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

    /// <summary>An upstream-chosen label (error type or code) made fit for a log line.</summary>
    private static string? Clean(Call call, string? label) => UpstreamErrorText.Scrub(label, call.ApiKey, maxLength: 64);

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    /// <summary>What every step of one call needs to reach, name and scrub, resolved once from its target.</summary>
    private sealed class Call(ProviderTarget target, Uri endpoint, ProviderProfile? profile)
    {
        /// <summary>The provider's name: every error message and log line says which provider failed.</summary>
        public string Provider => target.Provider;

        /// <summary>The hub's prefix for the provider's models ("deepseek/").</summary>
        public string ModelPrefix { get; } = target.Provider + "/";

        public Uri Endpoint => endpoint;

        /// <summary>The key, or null for a provider called without one (a local ollama): then no Authorization header.</summary>
        public string? ApiKey { get; } = string.IsNullOrWhiteSpace(target.Credential.ApiKey) ? null : target.Credential.ApiKey;

        public string CredentialId => target.Credential.Id;

        public IReadOnlyList<KeyValuePair<string, string>> Headers => profile?.Headers ?? [];

        public string? CachedTokensAlias => profile?.UsageAliases.CachedPromptTokens;

        public bool SendsMaxCompletionTokens => profile?.SendsMaxCompletionTokens ?? false;
    }

    internal enum Phase
    {
        /// <summary>Sending the request and receiving the response (headers, or the whole body when not streamed).</summary>
        Response,

        /// <summary>Reading a streamed body.</summary>
        Stream,
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug,
            Message = "Provider {Provider} answered with {Model}: {PromptTokens} prompt and {CompletionTokens} completion tokens in {ElapsedMs:0} ms")]
        public static partial void Completed(ILogger logger, string provider, string model, int promptTokens, int completionTokens, double elapsedMs);

        [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
            Message = "Provider {Provider} answered HTTP {Status} (type {ErrorType}, code {ErrorCode}) for model {Model} with credential {CredentialId}")]
        public static partial void UpstreamFailed(ILogger logger, string provider, int status, string? errorType, string? errorCode, string model, string credentialId);

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
            Message = "Provider {Provider} sent an error mid-stream for model {Model} (type {ErrorType}, code {ErrorCode})")]
        public static partial void StreamError(ILogger logger, string provider, string model, string? errorType, string? errorCode);

        [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
            Message = "Provider {Provider} streamed model {Model} without reporting usage; the call cannot be billed by tokens")]
        public static partial void StreamWithoutUsage(ILogger logger, string provider, string model);
    }
}
