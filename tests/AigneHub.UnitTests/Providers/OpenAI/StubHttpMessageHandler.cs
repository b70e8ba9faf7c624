namespace AigneHub.UnitTests.Providers.OpenAI;

/// <summary>Answers every request with a response the test builds, byte for byte.</summary>
internal sealed class StubHttpMessageHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<HttpResponseMessage> Responses { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = respond(request);
        response.RequestMessage = request;
        Responses.Add(response);
        return Task.FromResult(response);
    }
}
