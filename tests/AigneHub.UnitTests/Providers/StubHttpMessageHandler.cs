namespace AigneHub.UnitTests.Providers;

/// <summary>Answers every request with a response the test builds, byte for byte, and records what was sent.</summary>
internal sealed class StubHttpMessageHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<HttpResponseMessage> Responses { get; } = [];

    public List<SentRequest> Requests { get; } = [];

    public SentRequest LastRequest => Requests.Count > 0 ? Requests[^1] : throw new InvalidOperationException("No request was sent.");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(SentRequest.From(request));
        var response = respond(request);
        response.RequestMessage = request;
        Responses.Add(response);
        return Task.FromResult(response);
    }

    /// <summary>A request as the handler saw it: the absolute URI and every request header (names compared ignoring case).</summary>
    internal sealed record SentRequest(Uri Uri, IReadOnlyDictionary<string, string> Headers)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

        public static SentRequest From(HttpRequestMessage request) => new(
            request.RequestUri!,
            request.Headers.ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase));
    }
}
