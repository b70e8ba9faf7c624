using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AigneHub.FunctionalTests.Aigne;

/// <summary>
/// The AIGNE CLI's `aigne hub connect` asks for a browser sign-in session; this hub has none, and says what to do
/// instead in AIGNE's error shape, which the CLI shows.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class CliSignInTests(HubFixture hub)
{
    [Theory]
    [InlineData("POST", "/.well-known/service/api/access-key/session")]
    [InlineData("GET", "/.well-known/service/api/access-key/session?id=abc")]
    public async Task The_cli_sign_in_routes_answer_404_saying_to_use_an_access_key_instead(string method, string path)
    {
        using var anonymous = new HttpClient { BaseAddress = hub.RestUri };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { });
        }

        using var response = await anonymous.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(text);
        var message = body.RootElement.GetProperty("error").GetProperty("message").GetString();
        Assert.Contains("AIGNE_HUB_API_URL", message, StringComparison.Ordinal);
        Assert.Contains("AIGNE_HUB_API_KEY", message, StringComparison.Ordinal);
    }
}
