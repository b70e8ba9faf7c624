using System.Net;
using System.Net.Http.Json;

namespace AigneHub.FunctionalTests.Hosting;

/// <summary>
/// Browser apps of a configured origin can call the hub: preflights are answered before authentication, and every
/// answer to that origin carries the CORS headers a browser needs to hand it to the page. Other origins get none.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class CorsTests(HubFixture hub)
{
    private const string OtherOrigin = "https://evil.example.net";

    [Fact]
    public async Task Preflight_from_an_allowed_origin_is_answered_before_authentication()
    {
        using var anonymous = new HttpClient { BaseAddress = hub.RestUri };

        using var response = await anonymous.SendAsync(Preflight(HubFixture.CorsOrigin));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HubFixture.CorsOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"), StringComparison.OrdinalIgnoreCase);
        var allowedHeaders = Header(response, "Access-Control-Allow-Headers") ?? string.Empty;
        Assert.Contains("authorization", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-stainless-os", allowedHeaders, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_call_from_an_allowed_origin_carries_the_origin_and_exposes_the_headers_clients_read()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "demo/echo", messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("Origin", HubFixture.CorsOrigin);

        using var response = await hub.Rest.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HubFixture.CorsOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("Origin", Header(response, "Vary") ?? string.Empty, StringComparison.OrdinalIgnoreCase);
        var exposed = Header(response, "Access-Control-Expose-Headers") ?? string.Empty;
        Assert.Contains("x-request-id", exposed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("retry-after", exposed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("x-ratelimit-remaining-requests", exposed, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_refusal_to_an_allowed_origin_carries_the_origin_so_the_page_can_read_the_error()
    {
        using var anonymous = new HttpClient { BaseAddress = hub.RestUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "demo/echo", messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("Origin", HubFixture.CorsOrigin);

        using var response = await anonymous.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(HubFixture.CorsOrigin, Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Another_origin_gets_no_cors_header_on_preflight_or_call()
    {
        using var anonymous = new HttpClient { BaseAddress = hub.RestUri };
        using var preflight = await anonymous.SendAsync(Preflight(OtherOrigin));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Add("Origin", OtherOrigin);

        using var call = await hub.Rest.SendAsync(request);

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        Assert.Null(Header(call, "Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/v1/chat/completions");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type,x-stainless-os");
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;
}
