using System.Globalization;

namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// How an upstream's failure becomes the hub's <see cref="UpstreamException"/>, in the words every adapter uses: which
/// kind an HTTP status means when the protocol says nothing more specific, how long a 429 asked to wait, and the
/// caller-safe message for each kind (never the key, never the upstream's body verbatim).
/// </summary>
internal static class UpstreamFailures
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromDays(1);

    /// <summary>The kind an HTTP status means on its own (408 is a proxy giving up, not a verdict on the request).</summary>
    public static ErrorKind KindOfStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ErrorKind.UpstreamAuth,
        HttpStatusCode.TooManyRequests => ErrorKind.UpstreamRateLimited,
        HttpStatusCode.RequestTimeout => ErrorKind.UpstreamTimeout,
        HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict
            or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity => ErrorKind.UpstreamRejected,
        _ => ErrorKind.UpstreamUnavailable,
    };

    /// <summary>The exception for an upstream that answered with an error status.</summary>
    /// <param name="upstreamMessage">The upstream's own reason; shown (scrubbed) only for a rejected request, which the caller can fix.</param>
    /// <param name="secret">The credential's secret, masked should the upstream quote it.</param>
    public static UpstreamException FromStatus(ErrorKind kind, string provider, int status, string? upstreamMessage, string? secret, TimeSpan? retryAfter) =>
        kind switch
        {
            ErrorKind.UpstreamAuth => new UpstreamException(kind, provider, $"The {provider} provider refused the hub's credential (HTTP {status}).", status),
            ErrorKind.UpstreamRateLimited => new UpstreamException(kind, provider, $"The {provider} provider rate-limited the call (HTTP {status}).", status, retryAfter),
            ErrorKind.UpstreamRejected => new UpstreamException(kind, provider, UpstreamErrorText.Rejected(provider, upstreamMessage, secret, status), status),
            ErrorKind.UpstreamTimeout => new UpstreamException(kind, provider, $"The {provider} provider timed out (HTTP {status}).", status),
            _ => new UpstreamException(ErrorKind.UpstreamUnavailable, provider, $"The {provider} provider failed (HTTP {status}).", status),
        };

    /// <summary>How long the upstream asked to wait: <c>retry-after-ms</c> (OpenAI's precise form), else <c>Retry-After</c> (seconds or a date).</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds)
            && milliseconds >= 0
            && milliseconds <= MaxRetryAfter.TotalMilliseconds)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta < MaxRetryAfter ? delta : MaxRetryAfter;
        }

        if (retryAfter?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < MaxRetryAfter ? wait : MaxRetryAfter;
        }

        return null;
    }

    /// <summary>Whether an exception from sending, receiving or parsing means the upstream gave no usable answer.</summary>
    public static bool IsTransportFailure(Exception ex) =>
        ex is OperationCanceledException or HttpRequestException or IOException or JsonException or InvalidDataException or FormatException;
}
