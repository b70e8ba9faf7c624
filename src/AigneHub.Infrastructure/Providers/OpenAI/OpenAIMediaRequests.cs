namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// What OpenAI's embeddings and images endpoints share with its chat endpoint: the path joined to the provider's API
/// root, <c>Authorization: Bearer</c> (only when there is a key: a local ollama has none), the profile's extra
/// headers, and errors read from OpenAI's envelope and classified by status.
/// </summary>
internal static class OpenAIMediaRequests
{
    public static HttpRequestMessage Post(ProviderTarget target, ProviderProfiles profiles, string path, Action<Utf8JsonWriter> writeBody) =>
        Post(target, profiles, path, UpstreamTransport.JsonBody(writeBody));

    /// <summary>A request with a body of its own (multipart/form-data for image edits).</summary>
    public static HttpRequestMessage Post(ProviderTarget target, ProviderProfiles profiles, string path, HttpContent body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, Endpoint(target.BaseUrl, path)) { Content = body };
        if (ApiKeyOf(target) is { } apiKey)
        {
            message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + apiKey);
        }

        message.Headers.TryAddWithoutValidation("Accept", "application/json");
        foreach (var (name, value) in profiles.Find(target.Provider)?.Headers ?? [])
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    public static UpstreamCall Call(ProviderTarget target, string model, UpstreamLimits limits) => UpstreamCall.ForMedia(target, model, limits);

    public static UpstreamException Failure(ProviderTarget target, HttpResponseMessage response, byte[] body, TimeProvider time)
    {
        var error = OpenAIResponseParser.TryParseError(body);
        return UpstreamFailures.FromStatus(
            UpstreamFailures.KindOfStatus(response.StatusCode),
            target.Provider,
            (int)response.StatusCode,
            error?.Message,
            ApiKeyOf(target),
            UpstreamFailures.RetryAfter(response, time));
    }

    /// <summary>The API root joined with the path, with one '/' whether or not the root ends with one.</summary>
    public static Uri Endpoint(Uri baseUrl, string path) =>
        new(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + path, UriKind.Absolute);

    private static string? ApiKeyOf(ProviderTarget target) =>
        string.IsNullOrWhiteSpace(target.Credential.ApiKey) ? null : target.Credential.ApiKey;
}
