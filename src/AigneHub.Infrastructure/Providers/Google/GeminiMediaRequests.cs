namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// What the Gemini API's embedding and Imagen calls share with its chat calls: <c>{BaseUrl}/v1beta/models/{id}:{method}</c>,
/// the key in <c>x-goog-api-key</c> (never in the URL), and errors read as <c>google.rpc.Status</c> — where a wrong key
/// is a 400 told apart from a bad request only by its reason.
/// </summary>
internal static class GeminiMediaRequests
{
    public static HttpRequestMessage Post(ProviderTarget target, string model, string method, Action<Utf8JsonWriter> writeBody)
    {
        var endpoint = new Uri($"{GeminiAdapter.ApiRoot(target.BaseUrl)}/models/{Uri.EscapeDataString(ModelId(model))}:{method}", UriKind.Absolute);
        var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = UpstreamTransport.JsonBody(writeBody) };
        message.Headers.TryAddWithoutValidation("x-goog-api-key", target.Credential.ApiKey ?? string.Empty);
        message.Headers.TryAddWithoutValidation("Accept", "application/json");
        return message;
    }

    /// <summary>Gemini names models "models/{id}"; either form of the id is accepted.</summary>
    public static string ModelId(string model) => model.StartsWith("models/", StringComparison.Ordinal) ? model["models/".Length..] : model;

    public static UpstreamException Failure(ProviderTarget target, HttpResponseMessage response, byte[] body, TimeProvider time)
    {
        var error = GeminiResponseReader.TryReadError(body);
        var kind = response.StatusCode == HttpStatusCode.BadRequest && error is { IsInvalidApiKey: true }
            ? ErrorKind.UpstreamAuth
            : UpstreamFailures.KindOfStatus(response.StatusCode);
        return UpstreamFailures.FromStatus(
            kind,
            target.Provider,
            (int)response.StatusCode,
            error?.Message,
            target.Credential.ApiKey,
            UpstreamFailures.RetryAfter(response, time) ?? error?.RetryDelay);
    }

    public static UpstreamCall Call(ProviderTarget target, string model, UpstreamLimits limits) => UpstreamCall.ForMedia(target, model, limits);
}
