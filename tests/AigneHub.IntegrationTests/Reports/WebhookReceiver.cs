using System.Net;

namespace AigneHub.IntegrationTests.Reports;

/// <summary>
/// An in-process webhook receiver behind the named client (the report and budget webhooks): records what arrives,
/// checks it went to <paramref name="expected"/>, and answers a chosen status.
/// </summary>
internal sealed class WebhookReceiver(Uri expected) : HttpMessageHandler, IHttpClientFactory
{
    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    public (string Signature, string Body)? Last { get; private set; }

    public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Assert.Equal(expected, request.RequestUri);
        Last = (request.Headers.GetValues("X-AigneHub-Signature").Single(), await request.Content!.ReadAsStringAsync(cancellationToken));
        return new HttpResponseMessage(Status);
    }
}
