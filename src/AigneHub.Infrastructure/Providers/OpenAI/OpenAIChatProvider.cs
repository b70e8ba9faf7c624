using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Models;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.ServerSentEvents;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// The OpenAI Chat Completions adapter (<c>POST {BaseUrl}/chat/completions</c>, JSON and SSE). It enforces its own
/// timeouts, so that a timeout (<see cref="ErrorKind.UpstreamTimeout"/>) can be told apart from the caller giving up
/// (<see cref="OperationCanceledException"/>), and turns every upstream failure into an <see cref="UpstreamException"/>
/// whose message holds neither the key nor the upstream's body.
/// </summary>
internal sealed partial class OpenAIChatProvider : IChatProvider
{
    public const string HttpClientName = ProviderNames.OpenAI;

    private const string ProviderName = ProviderNames.OpenAI;
    private const string ModelPrefix = ProviderName + "/";

    // Error bodies are read only to find OpenAI's error message; a larger one is cut, not buffered whole.
    private const int MaxErrorBodyBytes = 64 * 1024;

    private static ReadOnlySpan<byte> DoneMarker => "[DONE]"u8;

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<OpenAIChatProvider> _logger;
    private readonly Uri _endpoint;
    private readonly string _apiKey;
    private readonly string _authorization;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _streamIdleTimeout;
    private readonly HashSet<string>? _models;

    public OpenAIChatProvider(
        IHttpClientFactory httpClientFactory,
        IOptions<OpenAIProviderOptions> options,
        TimeProvider time,
        ILogger<OpenAIChatProvider> logger)
    {
        var settings = options.Value;
        _httpClientFactory = httpClientFactory;
        _time = time;
        _logger = logger;
        _endpoint = settings.ResolveEndpoint("chat/completions")
            ?? throw new InvalidOperationException($"{OpenAIProviderOptions.Section}:BaseUrl must be an absolute http or https URL.");
        _apiKey = settings.ApiKey ?? string.Empty;
        _authorization = "Bearer " + _apiKey;
        _timeout = TimeSpan.FromSeconds(settings.TimeoutSeconds);
        _streamIdleTimeout = TimeSpan.FromSeconds(settings.StreamIdleTimeoutSeconds);
        _models = settings.Models.Length == 0 ? null : new HashSet<string>(settings.Models, StringComparer.Ordinal);
    }

    public string Name => ProviderName;

    public bool Serves(string model) => _models is null || _models.Contains(model);

    public async Task<ChatCompletion> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var message = CreateRequest(request, stream: false);
            using var response = await CreateClient()
                .SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token)
                .ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Failure(response, body, request.Model);
            }

            var completion = OpenAIResponseParser.ParseCompletion(body, ModelPrefix, request.Model, _time.GetUtcNow());
            Log.Completed(_logger, ProviderName, completion.Model, completion.Usage.PromptTokens, completion.Usage.CompletionTokens, Elapsed(started));
            return completion;
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(ex, request.Model, Phase.Response, cancellationToken);
        }
    }

    public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
        ProviderChatRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();

        // One source for the whole stream: armed for the headers, then re-armed around every read, so a consumer
        // that is slow to ask for the next update is never taken for a stalled upstream.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Disposing the response (when the stream ends, fails, or the consumer stops early) closes the connection
        // mid-body, which is how the upstream learns the answer is no longer wanted.
        using var response = await SendStreamingAsync(request, timeout, cancellationToken).ConfigureAwait(false);
        var body = await ReadStreamAsync(response, request.Model, timeout, cancellationToken).ConfigureAwait(false);
        await using var events = new ServerSentEventReader(body);

        var parser = new OpenAIStreamParser(ModelPrefix, request.Model, _time.GetUtcNow());
        var sawDone = false;
        while (await ReadEventAsync(events, request.Model, timeout, cancellationToken).ConfigureAwait(false))
        {
            var data = events.Current.Data;
            if (data.Span.SequenceEqual(DoneMarker))
            {
                sawDone = true;
                break;
            }

            var update = ParseChunk(parser, data, request.Model);
            if (update is not null)
            {
                yield return update;
            }
        }

        if (!sawDone && !parser.SawFinishReason)
        {
            Log.StreamEndedEarly(_logger, ProviderName, request.Model);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, ProviderName, $"The {ProviderName} provider's stream ended early.");
        }

        if (parser.Usage is { } usage)
        {
            Log.Completed(_logger, ProviderName, parser.Model, usage.PromptTokens, usage.CompletionTokens, Elapsed(started));
        }
        else
        {
            Log.StreamWithoutUsage(_logger, ProviderName, parser.Model);
        }
    }

    private HttpClient CreateClient() => _httpClientFactory.CreateClient(HttpClientName);

    private HttpRequestMessage CreateRequest(ProviderChatRequest request, bool stream)
    {
        var body = new ArrayBufferWriter<byte>(EstimateBodySize(request));
        OpenAIChatRequestWriter.Write(body, request, stream);

        var content = new ReadOnlyMemoryContent(body.WrittenMemory);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = content };
        message.Headers.TryAddWithoutValidation("Authorization", _authorization);
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

        // UTF-8 takes more than one byte for non-ASCII text; the writer grows the buffer when the guess is short.
        return Math.Min(characters + (characters / 4), 1 << 20);
    }

    private async Task<HttpResponseMessage> SendStreamingAsync(
        ProviderChatRequest request,
        CancellationTokenSource timeout,
        CancellationToken cancellationToken)
    {
        timeout.CancelAfter(_timeout);
        HttpResponseMessage? response = null;
        try
        {
            using var message = CreateRequest(request, stream: true);
            response = await CreateClient()
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await ReadErrorBodyAsync(response.Content, timeout.Token).ConfigureAwait(false);
                throw Failure(response, body, request.Model);
            }

            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            return response;
        }
        catch (Exception ex)
        {
            response?.Dispose();
            if (IsTransportFailure(ex))
            {
                throw Translate(ex, request.Model, Phase.Response, cancellationToken);
            }

            throw;
        }
    }

    private async Task<Stream> ReadStreamAsync(
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
            throw Translate(ex, model, Phase.Response, cancellationToken);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadEventAsync(
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
            throw Translate(ex, model, Phase.Stream, cancellationToken);
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private ChatCompletionUpdate? ParseChunk(OpenAIStreamParser parser, ReadOnlyMemory<byte> data, string model)
    {
        ChatCompletionUpdate? update;
        OpenAIError? error;
        try
        {
            update = parser.Parse(data.Span, out error);
        }
        catch (JsonException ex)
        {
            Log.MalformedResponse(_logger, ProviderName, model, ex.GetType().Name);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, ProviderName, $"The {ProviderName} provider sent a malformed stream event.");
        }

        if (error is not null)
        {
            Log.StreamError(_logger, ProviderName, model, Clean(error.Type), Clean(error.Code));
            var detail = UpstreamErrorText.Scrub(error.Message, _apiKey);
            throw new UpstreamException(
                ErrorKind.UpstreamUnavailable,
                ProviderName,
                detail is null ? $"The {ProviderName} provider failed mid-stream." : $"The {ProviderName} provider failed mid-stream: {detail}");
        }

        return update;
    }

    private UpstreamException Failure(HttpResponseMessage response, ReadOnlySpan<byte> body, string model)
    {
        var status = (int)response.StatusCode;
        var error = OpenAIResponseParser.TryParseError(body);
        Log.UpstreamFailed(_logger, ProviderName, status, Clean(error?.Type), Clean(error?.Code), model);

        switch (response.StatusCode)
        {
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                return new UpstreamException(
                    ErrorKind.UpstreamAuth,
                    ProviderName,
                    $"The {ProviderName} provider refused the hub's credential (HTTP {status}).",
                    status);
            case HttpStatusCode.TooManyRequests:
                return new UpstreamException(
                    ErrorKind.UpstreamRateLimited,
                    ProviderName,
                    $"The {ProviderName} provider rate-limited the call (HTTP {status}).",
                    status,
                    RetryAfter(response));
            case HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict
                or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity:
                return new UpstreamException(
                    ErrorKind.UpstreamRejected,
                    ProviderName,
                    UpstreamErrorText.Scrub(error?.Message, _apiKey) ?? $"The {ProviderName} provider rejected the request (HTTP {status}).",
                    status);
            default:
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    ProviderName,
                    $"The {ProviderName} provider failed (HTTP {status}).",
                    status);
        }
    }

    /// <summary>How long the upstream asked to wait: <c>retry-after-ms</c> (OpenAI's precise form), else <c>Retry-After</c>.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var maximum = TimeSpan.FromDays(1);
        if (response.Headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds)
            && milliseconds >= 0
            && milliseconds <= maximum.TotalMilliseconds)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

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
    private Exception Translate(Exception ex, string model, Phase phase, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The caller cancelled the call.", ex, cancellationToken);
        }

        switch (ex)
        {
            case OperationCanceledException:
                var limit = phase == Phase.Stream ? _streamIdleTimeout : _timeout;
                Log.TimedOut(_logger, ProviderName, model, phase, limit.TotalSeconds);
                return new UpstreamException(
                    ErrorKind.UpstreamTimeout,
                    ProviderName,
                    phase == Phase.Stream
                        ? $"The {ProviderName} provider's stream stalled for more than {limit.TotalSeconds:0} s."
                        : $"The {ProviderName} provider did not answer within {limit.TotalSeconds:0} s.",
                    inner: ex);
            case JsonException:
                Log.MalformedResponse(_logger, ProviderName, model, ex.GetType().Name);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    ProviderName,
                    $"The {ProviderName} provider returned a malformed response.");
            case InvalidDataException:
                Log.MalformedResponse(_logger, ProviderName, model, ex.GetType().Name);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    ProviderName,
                    $"The {ProviderName} provider sent a stream event that is too large.");
            case HttpRequestException when phase == Phase.Response:
                Log.Unreachable(_logger, ProviderName, model, ex);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    ProviderName,
                    $"The {ProviderName} provider could not be reached.",
                    inner: ex);
            default:
                Log.ConnectionLost(_logger, ProviderName, model, ex);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    ProviderName,
                    phase == Phase.Stream
                        ? $"The {ProviderName} provider's stream ended early."
                        : $"The {ProviderName} provider closed the connection.",
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
    private string? Clean(string? label) => UpstreamErrorText.Scrub(label, _apiKey, maxLength: 64);

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalMilliseconds;

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
            Message = "Provider {Provider} answered HTTP {Status} (type {ErrorType}, code {ErrorCode}) for model {Model}")]
        public static partial void UpstreamFailed(ILogger logger, string provider, int status, string? errorType, string? errorCode, string model);

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
