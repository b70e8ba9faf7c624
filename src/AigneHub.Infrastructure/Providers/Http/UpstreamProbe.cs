namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// Sends one probe request (a protocol's list-models call) and classifies the answer as the adapters classify a
/// failed call. The messages are the hub's own: no upstream text is kept, so none can carry a secret.
/// </summary>
internal static class UpstreamProbe
{
    // A list of models can be long; the probe needs only its status, and an error body only to tell an auth failure.
    private const int MaxBodyBytes = 64 * 1024;

    /// <param name="isRefusal">Tells an auth failure the status alone does not show (Gemini's 400 API_KEY_INVALID).</param>
    public static async Task<ProbeResult> SendAsync(
        HttpClient client,
        HttpRequestMessage request,
        string provider,
        TimeSpan timeout,
        Func<HttpStatusCode, byte[], bool>? isRefusal,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return ProbeResult.Passed(status);
            }

            var body = await UpstreamTransport.ReadCappedAsync(response.Content, MaxBodyBytes, deadline.Token).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || (isRefusal?.Invoke(response.StatusCode, body) ?? false))
            {
                return new ProbeResult(false, status, ErrorKind.UpstreamAuth, $"The {provider} provider refused the credential (HTTP {status}).");
            }

            return response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests => new ProbeResult(
                    false, status, ErrorKind.UpstreamRateLimited, $"The {provider} provider rate-limited the check (HTTP {status})."),
                HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity => new ProbeResult(
                    false, status, ErrorKind.UpstreamRejected, $"The {provider} provider rejected the check (HTTP {status}): is the base URL right?"),
                _ => new ProbeResult(false, status, ErrorKind.UpstreamUnavailable, $"The {provider} provider failed (HTTP {status})."),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return new ProbeResult(false, null, ErrorKind.UpstreamTimeout, $"The {provider} provider did not answer within {timeout.TotalSeconds:0} s.");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return new ProbeResult(false, null, ErrorKind.UpstreamUnavailable, $"The {provider} provider could not be reached.");
        }
    }
}
