namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// The one HTTP exchange every provider adapter goes through. It sends what an adapter's request writer built, holds
/// the call's deadline and, for a stream, the idle limit around every read (so that a timeout,
/// <see cref="ErrorKind.UpstreamTimeout"/>, is told apart from the caller giving up, <see cref="OperationCanceledException"/>),
/// reads at most <see cref="MaxErrorBodyBytes"/> of an error answer and hands it to the adapter's error classifier,
/// turns every transport failure into an <see cref="UpstreamException"/> that names the provider and holds neither the
/// key nor the upstream's body, and writes the call's log lines. An adapter keeps only its protocol: how a request is
/// written, how an answer is parsed, and what an error answer means.
/// </summary>
internal sealed partial class UpstreamTransport(IHttpClientFactory clients, TimeProvider time, ILogger<UpstreamTransport> logger)
{
    /// <summary>Error bodies are read only to find the upstream's error message; a larger one is cut, not buffered whole.</summary>
    public const int MaxErrorBodyBytes = 64 * 1024;

    public TimeProvider Time => time;

    /// <summary>Sends one request, reads the whole answer within the call's deadline, and parses a successful one.</summary>
    /// <param name="createRequest">The adapter's request writer; run inside the deadline.</param>
    /// <param name="classify">The adapter's error classifier, for an answer with an error status.</param>
    /// <param name="parse">The adapter's parser; a body it cannot read is the upstream's failure, not the hub's.</param>
    /// <param name="usageOf">The tokens the answer reports, for the log line; null when it reports none.</param>
    public async Task<T> SendAsync<T>(
        UpstreamCall call,
        Func<HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, byte[], UpstreamFailure> classify,
        Func<HttpResponseMessage, byte[], T> parse,
        Func<T, TokenUsage?>? usageOf,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(createRequest);
        ArgumentNullException.ThrowIfNull(classify);
        ArgumentNullException.ThrowIfNull(parse);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(call.Limits.Timeout);
        try
        {
            using var message = createRequest();
            using var response = await clients.CreateClient(call.ClientName)
                .SendAsync(message, HttpCompletionOption.ResponseContentRead, deadline.Token)
                .ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw Failed(call, response, body, classify);
            }

            T answer;
            try
            {
                answer = parse(response, body);
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
            {
                // A JSON property missing or of the wrong kind: as malformed as a body that is not JSON at all.
                throw new JsonException(ex.GetType().Name, ex);
            }

            Completed(call, usageOf?.Invoke(answer));
            return answer;
        }
        catch (Exception ex) when (IsTransportFailure(ex))
        {
            throw Translate(call, ex, UpstreamPhase.Response, cancellationToken);
        }
    }

    /// <summary>
    /// Sends a streamed request and returns its body once the upstream answered with a success status, for the
    /// adapter to read event by event through <see cref="UpstreamStream{TReader}.ReadNextAsync"/>. Disposing the
    /// stream (when it ends, fails, or the consumer stops early) closes the connection mid-body, which is how the
    /// upstream learns the answer is no longer wanted.
    /// </summary>
    public async Task<UpstreamStream<TReader>> OpenStreamAsync<TReader>(
        UpstreamCall call,
        Func<HttpRequestMessage> createRequest,
        Func<HttpResponseMessage, byte[], UpstreamFailure> classify,
        Func<Stream, TReader> createReader,
        CancellationToken cancellationToken)
        where TReader : IUpstreamEventReader
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(createRequest);
        ArgumentNullException.ThrowIfNull(classify);
        ArgumentNullException.ThrowIfNull(createReader);

        // One source for the whole stream: armed for the headers, then re-armed around every read, so a consumer
        // that is slow to ask for the next update is never taken for a stalled upstream.
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(call.Limits.Timeout);
        HttpResponseMessage? response = null;
        try
        {
            using (var message = createRequest())
            {
                response = await clients.CreateClient(call.ClientName)
                    .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                    .ConfigureAwait(false);
            }

            if (!response.IsSuccessStatusCode)
            {
                var error = await ReadCappedAsync(response.Content, MaxErrorBodyBytes, timeout.Token).ConfigureAwait(false);
                throw Failed(call, response, error, classify);
            }

            timeout.CancelAfter(Timeout.InfiniteTimeSpan);
            var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            return new UpstreamStream<TReader>(this, call, response, createReader(body), timeout, cancellationToken);
        }
        catch (Exception ex)
        {
            response?.Dispose();
            timeout.Dispose();
            if (IsTransportFailure(ex))
            {
                throw Translate(call, ex, UpstreamPhase.Response, cancellationToken);
            }

            throw;
        }
    }

    /// <summary>Sends a protocol's probe (its list-models call) through the adapter's client; see <see cref="UpstreamProbe"/>.</summary>
    public Task<Application.Abstractions.ProbeResult> ProbeAsync(
        string clientName,
        HttpRequestMessage request,
        string provider,
        UpstreamLimits limits,
        Func<System.Net.HttpStatusCode, byte[], bool>? isRefusal,
        CancellationToken cancellationToken) =>
        UpstreamProbe.SendAsync(clients.CreateClient(clientName), request, provider, limits.Timeout, isRefusal, cancellationToken);

    /// <summary>How long the upstream asked to wait: <c>retry-after-ms</c> (OpenAI's precise form), else <c>Retry-After</c> (seconds or a date), at most a day.</summary>
    public TimeSpan? RetryAfter(HttpResponseMessage response) => UpstreamFailures.RetryAfter(response, time);

    /// <summary>The debug line of a call that answered whole; <paramref name="usage"/> null when the answer reported none.</summary>
    public void Completed(UpstreamCall call, TokenUsage? usage) =>
        Log.Completed(logger, call.Provider, call.Model, call.CredentialId, usage?.PromptTokens, usage?.CompletionTokens, call.ElapsedMs);

    /// <summary>A stream's end: the usage it reported, or the warning that it cannot be billed by tokens.</summary>
    public void StreamFinished(UpstreamCall call, TokenUsage? usage)
    {
        if (usage is null)
        {
            Log.StreamWithoutUsage(logger, call.Provider, call.Model, call.CredentialId);
        }
        else
        {
            Completed(call, usage);
        }
    }

    /// <summary>The stream ended (or the adapter stopped reading) before the protocol's end of answer.</summary>
    public UpstreamException StreamEndedEarly(UpstreamCall call)
    {
        Log.StreamEndedEarly(logger, call.Provider, call.Model, call.CredentialId);
        return call.StreamEndedEarly();
    }

    /// <summary>A streamed event the adapter's parser could not read.</summary>
    public UpstreamException MalformedEvent(UpstreamCall call, Exception ex)
    {
        Log.MalformedResponse(logger, call.Provider, call.Model, ex.GetType().Name);
        return new UpstreamException(ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider sent a malformed stream event.");
    }

    /// <summary>An error the upstream sent inside an answer already under way, as the adapter classified it.</summary>
    public UpstreamException FailedMidStream(UpstreamCall call, UpstreamFailure failure)
    {
        Log.StreamError(logger, call.Provider, call.Model, call.CredentialId, failure.Exception.Kind, call.Label(failure.ErrorType));
        return failure.Exception;
    }

    /// <summary>A refusal that is the adapter's own, logged like any other outcome of the call (a prompt the upstream blocked).</summary>
    public UpstreamException Refused(UpstreamCall call, UpstreamException exception, string? reason)
    {
        Log.Refused(logger, call.Provider, call.Model, call.CredentialId, exception.Kind, call.Label(reason));
        return exception;
    }

    /// <summary>Whether an exception from sending, receiving or parsing means the upstream gave no usable answer.</summary>
    internal static bool IsTransportFailure(Exception ex) => UpstreamFailures.IsTransportFailure(ex);

    /// <summary>At most <paramref name="limit"/> bytes of a body: enough to read an error, never a whole flood.</summary>
    internal static async Task<byte[]> ReadCappedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[limit];
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

    private UpstreamException Failed(UpstreamCall call, HttpResponseMessage response, byte[] body, Func<HttpResponseMessage, byte[], UpstreamFailure> classify)
    {
        var failure = classify(response, body);
        Log.UpstreamFailed(logger, call.Provider, (int)response.StatusCode, failure.Exception.Kind, call.Label(failure.ErrorType), call.Model, call.CredentialId);
        return failure.Exception;
    }

    /// <summary>
    /// The caller's cancellation stays a cancellation; the call's own deadline becomes a timeout; anything else the
    /// transport or the parser threw means the upstream could not give a usable answer.
    /// </summary>
    internal Exception Translate(UpstreamCall call, Exception ex, UpstreamPhase phase, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException("The caller cancelled the call.", ex, cancellationToken);
        }

        var provider = call.Provider;
        switch (ex)
        {
            case OperationCanceledException:
                var limit = phase == UpstreamPhase.Stream ? call.Limits.StreamIdleTimeout : call.Limits.Timeout;
                Log.TimedOut(logger, provider, call.Model, call.CredentialId, phase, limit.TotalSeconds);
                return new UpstreamException(
                    ErrorKind.UpstreamTimeout,
                    provider,
                    phase == UpstreamPhase.Stream
                        ? $"The {provider} provider's stream stalled for more than {limit.TotalSeconds:0} s."
                        : $"The {provider} provider did not answer within {limit.TotalSeconds:0} s.",
                    inner: ex);
            case InvalidDataException when phase == UpstreamPhase.Stream:
                Log.MalformedResponse(logger, provider, call.Model, ex.GetType().Name);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider sent a stream event that is too large.");
            case JsonException or FormatException or InvalidDataException:
                Log.MalformedResponse(logger, provider, call.Model, ex.GetType().Name);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider returned a malformed response.");
            case HttpRequestException when phase == UpstreamPhase.Response:
                Log.Unreachable(logger, provider, call.Model, call.CredentialId, ex);
                return new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider could not be reached.", inner: ex);
            default:
                Log.ConnectionLost(logger, provider, call.Model, call.CredentialId, ex);
                return new UpstreamException(
                    ErrorKind.UpstreamUnavailable,
                    provider,
                    phase == UpstreamPhase.Stream ? $"The {provider} provider's stream ended early." : $"The {provider} provider closed the connection.",
                    inner: ex);
        }
    }

    internal void StalledAfterFinish(UpstreamCall call) =>
        Log.StalledAfterFinish(logger, call.Provider, call.Model, call.CredentialId, call.Limits.StreamIdleTimeout.TotalSeconds);

    internal void CorruptFrame(UpstreamCall call) => Log.MalformedResponse(logger, call.Provider, call.Model, "corrupt stream frame");
}

/// <summary>Which wait a failure interrupted: it decides the limit named and the words used.</summary>
internal enum UpstreamPhase
{
    /// <summary>Sending the request and receiving the response (headers, or the whole body when not streamed).</summary>
    Response,

    /// <summary>Reading a streamed body.</summary>
    Stream,
}
