using System.Diagnostics;
using AigneHub.Application.Common.Errors;
using Microsoft.Extensions.Logging;

namespace AigneHub.Infrastructure.Providers.Media;

/// <summary>
/// Sends one JSON request of an embedding or image adapter and returns the successful body. It enforces the
/// adapter's deadline (so a timeout is told apart from the caller giving up), turns transport failures into
/// <see cref="UpstreamException"/>s, and leaves error statuses to the adapter's protocol-specific reading.
/// </summary>
internal sealed partial class MediaUpstream(IHttpClientFactory httpClientFactory, ILogger<MediaUpstream> logger)
{
    /// <summary>The media adapters' HTTP client: like the chat adapters', with room for a batch of images.</summary>
    public const string HttpClientName = "provider-media";

    /// <summary>Ten 1536×1024 images in base64 stay well inside this.</summary>
    public const long MaxResponseBytes = 128L * 1024 * 1024;

    /// <param name="failure">Reads an error answer (status and body) into the exception to throw.</param>
    public async Task<byte[]> SendAsync(
        MediaCall call,
        HttpRequestMessage message,
        TimeSpan timeout,
        Func<HttpResponseMessage, byte[], UpstreamException> failure,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await httpClientFactory.CreateClient(HttpClientName)
                .SendAsync(message, HttpCompletionOption.ResponseContentRead, deadline.Token)
                .ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var exception = failure(response, body);
                LogFailed(logger, call.Provider, (int)response.StatusCode, exception.Kind, call.Model, call.CredentialId);
                throw exception;
            }

            LogAnswered(logger, call.Provider, call.Model, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return body;
        }
        catch (Exception ex) when (UpstreamFailures.IsTransportFailure(ex))
        {
            var translated = UpstreamFailures.FromTransport(call.Provider, ex, timeout, cancellationToken);
            if (translated is UpstreamException upstream)
            {
                LogTransportFailed(logger, call.Provider, upstream.Kind, call.Model, ex.GetType().Name);
            }

            throw translated;
        }
    }

    /// <summary>A JSON request body written by <paramref name="write"/>.</summary>
    public static ReadOnlyMemoryContent JsonBody(Action<System.Text.Json.Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            write(json);
        }

        var content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Sends, then parses the successful body: one JSON call of an adapter, start to end.</summary>
    public async Task<T> CallAsync<T>(
        MediaCall call,
        HttpRequestMessage message,
        TimeSpan timeout,
        Func<HttpResponseMessage, byte[], UpstreamException> failure,
        Func<byte[], T> parse,
        CancellationToken cancellationToken)
    {
        var body = await SendAsync(call, message, timeout, failure, cancellationToken).ConfigureAwait(false);
        return Parse(call, body, parse);
    }

    /// <summary>Parses a successful body; a body the hub cannot read is the upstream's failure, not the hub's.</summary>
    public T Parse<T>(MediaCall call, byte[] body, Func<byte[], T> parse)
    {
        try
        {
            return parse(body);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or FormatException or InvalidDataException or KeyNotFoundException or InvalidOperationException)
        {
            LogMalformed(logger, call.Provider, call.Model, ex.GetType().Name);
            throw new UpstreamException(Domain.Usage.ErrorKind.UpstreamUnavailable, call.Provider, $"The {call.Provider} provider returned a malformed response.");
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Provider {Provider} answered for {Model} in {ElapsedMs:0} ms")]
    private static partial void LogAnswered(ILogger logger, string provider, string model, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} answered HTTP {Status} ({ErrorKind}) for model {Model} with credential {CredentialId}")]
    private static partial void LogFailed(ILogger logger, string provider, int status, Domain.Usage.ErrorKind errorKind, string model, string credentialId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} failed ({ErrorKind}) for model {Model}: {Failure}")]
    private static partial void LogTransportFailed(ILogger logger, string provider, Domain.Usage.ErrorKind errorKind, string model, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} sent a malformed answer for model {Model} ({Failure})")]
    private static partial void LogMalformed(ILogger logger, string provider, string model, string failure);
}

/// <summary>What the log lines and error messages of one media call name.</summary>
/// <param name="Model">The provider's own model id.</param>
internal sealed record MediaCall(string Provider, string Model, string CredentialId);
