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
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>
/// Amazon Bedrock's Converse protocol: <c>POST {endpoint}/model/{modelId}/converse</c> (JSON) and
/// <c>/converse-stream</c> (binary <c>application/vnd.amazon.eventstream</c>), signed with AWS Signature V4 by the
/// target's access key pair for its region. It enforces its own timeouts, so that a timeout
/// (<see cref="ErrorKind.UpstreamTimeout"/>) can be told from the caller giving up
/// (<see cref="OperationCanceledException"/>), and turns every upstream failure into an <see cref="UpstreamException"/>
/// whose message holds neither the secret key nor the upstream's body.
/// </summary>
internal sealed partial class BedrockConverseAdapter : IChatAdapter
{
    public const string ProtocolName = "bedrock-converse";

    public const string HttpClientName = ProtocolName;

    /// <summary>The SigV4 service name of Bedrock Runtime.</summary>
    public const string SigningService = "bedrock";

    private const string RequestIdHeader = "x-amzn-RequestId";
    private const string ErrorTypeHeader = "x-amzn-ErrorType";

    // Error bodies are read only to find Bedrock's error message; a larger one is cut, not buffered whole.
    private const int MaxErrorBodyBytes = 64 * 1024;

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly SigV4Signer _signer;
    private readonly ILogger<BedrockConverseAdapter> _logger;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan _streamIdleTimeout;

    public BedrockConverseAdapter(
        IHttpClientFactory httpClientFactory,
        IOptions<BedrockAdapterOptions> options,
        TimeProvider time,
        ILogger<BedrockConverseAdapter> logger)
    {
        var settings = options.Value;
        _httpClientFactory = httpClientFactory;
        _time = time;
        _signer = new SigV4Signer(time);
        _logger = logger;
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

            var completion = BedrockConverseResponseParser.ParseConverse(body, ResponseId(response), call.Model, _time.GetUtcNow());
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

        // One source for the whole stream: armed for the headers, then re-armed around every read.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // Disposing the response (when the stream ends, fails, or the consumer stops early) closes the connection
        // mid-body, which is how the upstream learns the answer is no longer wanted.
        using var response = await SendStreamingAsync(call, timeout, cancellationToken).ConfigureAwait(false);
        var body = await ReadStreamAsync(call, response, timeout, cancellationToken).ConfigureAwait(false);
        await using var messages = new EventStreamReader(body, call.Provider);

        var parser = new BedrockConverseStreamParser(ResponseId(response), call.Model, _time.GetUtcNow());
        while (await ReadMessageAsync(call, messages, timeout, cancellationToken).ConfigureAwait(false))
        {
            var update = ParseMessage(call, parser, messages.Current!);
            if (update is not null)
            {
                yield return update;
            }

            if (parser.SawMessageStop && parser.Usage is not null)
            {
                // metadata follows messageStop and ends the answer; the body's end is not worth waiting for.
                break;
            }
        }

        if (!parser.SawMessageStop)
        {
            Log.StreamEndedEarly(_logger, call.Provider, call.Model, call.CredentialId);
            throw new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider's stream ended early.");
        }

        if (parser.UsageUpdate() is { Usage: { } usage } usageUpdate)
        {
            Log.Completed(_logger, call.Provider, call.Model, call.CredentialId, usage.PromptTokens, usage.CompletionTokens, call.ElapsedMs);
            yield return usageUpdate;
        }
        else
        {
            Log.StreamWithoutUsage(_logger, call.Provider, call.Model);
        }
    }

    private HttpClient CreateClient() => _httpClientFactory.CreateClient(HttpClientName);

    private string ResponseId(HttpResponseMessage response) =>
        response.Headers.TryGetValues(RequestIdHeader, out var values) && values.FirstOrDefault() is { Length: > 0 and <= 128 } id
            ? id
            : "bedrock-" + Guid.CreateVersion7(_time.GetUtcNow()).ToString("N");

    private HttpRequestMessage CreateRequest(Call call, bool stream)
    {
        var body = new ArrayBufferWriter<byte>(1024);
        try
        {
            BedrockConverseRequestWriter.Write(body, call.Request);
        }
        catch (NotSupportedException ex)
        {
            throw new UpstreamException(ErrorKind.UpstreamRejected, call.Provider, $"The {call.Provider} provider cannot take this request: {ex.Message}");
        }

        var payload = body.WrittenMemory;
        var content = new ReadOnlyMemoryContent(payload);
        content.Headers.ContentType = JsonContentType;

        var message = new HttpRequestMessage(HttpMethod.Post, stream ? call.StreamEndpoint : call.Endpoint) { Content = content };
        message.Headers.TryAddWithoutValidation("Accept", stream ? "application/vnd.amazon.eventstream" : "application/json");
        _signer.Sign(message, payload.Span, call.AccessKeyId, call.SecretAccessKey, call.Region, SigningService);
        return message;
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

    private async Task<bool> ReadMessageAsync(Call call, EventStreamReader messages, CancellationTokenSource timeout, CancellationToken cancellationToken)
    {
        timeout.CancelAfter(_streamIdleTimeout);
        try
        {
            return await messages.ReadNextAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(call, ex, Phase.Stream, cancellationToken);
        }
        catch (UpstreamException)
        {
            Log.MalformedResponse(_logger, call.Provider, call.Model, "corrupt event-stream frame");
            throw;
        }
        finally
        {
            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    private ChatCompletionUpdate? ParseMessage(Call call, BedrockConverseStreamParser parser, EventStreamMessage message)
    {
        switch (message.MessageType)
        {
            case "exception":
                throw StreamFailure(call, new BedrockError(message.ExceptionType, MessageOf(message.Payload.Span)));
            case "error":
                throw StreamFailure(call, new BedrockError(message.Header(":error-code"), message.Header(":error-message")));
            case "event":
                try
                {
                    return parser.Parse(message.EventType, message.Payload.Span);
                }
                catch (JsonException ex)
                {
                    Log.MalformedResponse(_logger, call.Provider, call.Model, ex.GetType().Name);
                    throw new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider sent a malformed stream event.");
                }

            default:
                return null;
        }
    }

    private static string? MessageOf(ReadOnlySpan<byte> payload) => BedrockConverseResponseParser.ParseError(payload, null).Message;

    /// <summary>An exception message after the answer began: Bedrock's way to fail a stream already under way.</summary>
    private UpstreamException StreamFailure(Call call, BedrockError error)
    {
        var provider = call.Provider;
        Log.StreamError(_logger, provider, call.Model, call.CredentialId, Clean(error.Type, call.SecretAccessKey));
        var detail = UpstreamErrorText.Scrub(error.Message, call.SecretAccessKey);
        var kind = KindOf(error) ?? ErrorKind.UpstreamUnavailable;
        return new UpstreamException(kind, provider, kind switch
        {
            ErrorKind.UpstreamAuth => $"The {provider} provider refused the hub's credential mid-stream.",
            ErrorKind.UpstreamRateLimited => $"The {provider} provider throttled the call mid-stream.",
            ErrorKind.UpstreamRejected => detail ?? $"The {provider} provider rejected the request mid-stream.",
            ErrorKind.UpstreamTimeout => $"The {provider} provider's model timed out mid-stream.",
            _ => detail is null ? $"The {provider} provider failed mid-stream." : $"The {provider} provider failed mid-stream: {detail}",
        });
    }

    /// <summary>What an error type says regardless of status; null for a type that does not decide.</summary>
    internal static ErrorKind? KindOf(BedrockError error) => error.Type?.ToLowerInvariant() switch
    {
        "unrecognizedclientexception" or "accessdeniedexception" or "invalidsignatureexception" or "signaturedoesnotmatch"
            or "incompletesignature" or "incompletesignatureexception" or "expiredtokenexception" or "missingauthenticationtokenexception" =>
            ErrorKind.UpstreamAuth,
        "throttlingexception" or "toomanyrequestsexception" => ErrorKind.UpstreamRateLimited,
        "validationexception" or "resourcenotfoundexception" => ErrorKind.UpstreamRejected,
        "modeltimeoutexception" => ErrorKind.UpstreamTimeout,
        "serviceunavailableexception" or "modelnotreadyexception" or "internalserverexception" or "modelstreamerrorexception"
            or "modelerrorexception" => ErrorKind.UpstreamUnavailable,
        _ => null,
    };

    private UpstreamException Failure(Call call, HttpResponseMessage response, ReadOnlySpan<byte> body)
    {
        var provider = call.Provider;
        var status = (int)response.StatusCode;
        var headerType = response.Headers.TryGetValues(ErrorTypeHeader, out var values) ? values.FirstOrDefault() : null;
        var error = BedrockConverseResponseParser.ParseError(body, headerType);
        Log.UpstreamFailed(_logger, provider, status, Clean(error.Type, call.SecretAccessKey), call.Model, call.CredentialId);

        var kind = KindOf(error) ?? response.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ErrorKind.UpstreamAuth,
            HttpStatusCode.TooManyRequests => ErrorKind.UpstreamRateLimited,
            HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity =>
                ErrorKind.UpstreamRejected,
            HttpStatusCode.RequestTimeout => ErrorKind.UpstreamTimeout,
            _ => ErrorKind.UpstreamUnavailable,
        };
        return kind switch
        {
            // AWS's signature errors quote the canonical request and string to sign: never relayed.
            ErrorKind.UpstreamAuth => new UpstreamException(kind, provider, $"The {provider} provider refused the hub's credential (HTTP {status}).", status),
            ErrorKind.UpstreamRateLimited => new UpstreamException(kind, provider, $"The {provider} provider throttled the call (HTTP {status}).", status, RetryAfter(response)),
            ErrorKind.UpstreamRejected => new UpstreamException(
                kind,
                provider,
                UpstreamErrorText.Rejected(provider, error.Message, call.SecretAccessKey, status),
                status),
            ErrorKind.UpstreamTimeout => new UpstreamException(kind, provider, $"The {provider} provider's model timed out (HTTP {status}).", status),
            _ => new UpstreamException(kind, provider, $"The {provider} provider failed (HTTP {status}).", status),
        };
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
        ex is OperationCanceledException or HttpRequestException or IOException or JsonException;

    /// <summary>
    /// The caller's cancellation stays a cancellation; our own deadline becomes a timeout; anything else the
    /// transport or the parser threw means the upstream could not give a usable answer.
    /// </summary>
    private Exception Translate(Call call, Exception ex, Phase phase, CancellationToken cancellationToken)
    {
        var provider = call.Provider;
        var model = call.Model;
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
            case HttpRequestException when phase == Phase.Response:
                Log.Unreachable(_logger, provider, model, call.CredentialId, ex);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider could not be reached.", inner: ex);
            default:
                Log.ConnectionLost(_logger, provider, model, call.CredentialId, ex);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    provider,
                    phase == Phase.Stream ? $"The {provider} provider's stream ended early." : $"The {provider} provider closed the connection.",
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
    private static string? Clean(string? label, string secret) => UpstreamErrorText.Scrub(label, secret, maxLength: 64);

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

        private Call(ProviderTarget target, ProviderChatRequest request, string accessKeyId, string secretAccessKey, string region)
        {
            Provider = target.Provider;
            Model = target.Provider + "/" + request.Model;
            CredentialId = target.Credential.Id;
            AccessKeyId = accessKeyId;
            SecretAccessKey = secretAccessKey;
            Region = region;
            Request = request;

            // The model id is one path segment: escaped once here (':' → %3A, '/' of an ARN → %2F); the signer
            // escapes the escaped path once more, as SigV4 requires of every service but S3.
            var root = target.BaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/model/" + Uri.EscapeDataString(request.Model);
            Endpoint = new Uri(root + "/converse", UriKind.Absolute);
            StreamEndpoint = new Uri(root + "/converse-stream", UriKind.Absolute);
        }

        public string Provider { get; }

        /// <summary>The hub's name for the model ("bedrock/anthropic.claude-3-haiku-20240307-v1:0").</summary>
        public string Model { get; }

        /// <summary>The credential's id, which is not secret and names it in logs.</summary>
        public string CredentialId { get; }

        public string AccessKeyId { get; }

        public string SecretAccessKey { get; }

        public string Region { get; }

        public Uri Endpoint { get; }

        public Uri StreamEndpoint { get; }

        public ProviderChatRequest Request { get; }

        public double ElapsedMs => Stopwatch.GetElapsedTime(_started).TotalMilliseconds;

        public static Call Start(ProviderTarget target, ProviderChatRequest request)
        {
            ArgumentNullException.ThrowIfNull(target);
            ArgumentNullException.ThrowIfNull(request);
            var baseUrl = target.BaseUrl;
            if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException("The target's base URL must be an absolute http or https URL.", nameof(target));
            }

            var credential = target.Credential;
            if (string.IsNullOrEmpty(credential.AccessKeyId) || string.IsNullOrEmpty(credential.SecretAccessKey))
            {
                // An API key (or nothing) where a key pair belongs: this credential can never sign a request.
                throw new UpstreamException(
                    ErrorKind.UpstreamAuth,
                    target.Provider,
                    $"The {target.Provider} provider needs an access key pair; credential {credential.Id} has none.");
            }

            var region = string.IsNullOrWhiteSpace(target.Region) ? BedrockEndpoint.RegionOf(baseUrl) : target.Region;
            if (region is null)
            {
                throw new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    target.Provider,
                    $"The {target.Provider} provider has no region to sign its calls for.");
            }

            return new Call(target, request, credential.AccessKeyId, credential.SecretAccessKey, region);
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
            Message = "Provider {Provider} ended the stream for model {Model} (credential {CredentialId}) before messageStop")]
        public static partial void StreamEndedEarly(ILogger logger, string provider, string model, string credentialId);

        [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
            Message = "Provider {Provider} sent an exception mid-stream for model {Model} (credential {CredentialId}, type {ErrorType})")]
        public static partial void StreamError(ILogger logger, string provider, string model, string credentialId, string? errorType);

        [LoggerMessage(EventId = 9, Level = LogLevel.Warning,
            Message = "Provider {Provider} streamed model {Model} without reporting usage; the call cannot be billed by tokens")]
        public static partial void StreamWithoutUsage(ILogger logger, string provider, string model);
    }
}
