using System.Net;
using System.Text;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Access;

/// <summary>Chat, which may carry images inline, takes bigger bodies than the other routes.</summary>
[Collection(HubCollection.Name)]
public sealed class BodyLimitTests(HubFixture hub)
{
    [Fact]
    public async Task A_chat_with_a_6_MB_inline_image_is_accepted_where_other_routes_stop_at_4_MB()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("a picture of noise", new FakeUsage(1000, 5));
        var image = "data:image/png;base64," + Convert.ToBase64String(new byte[4_500_000]);
        var chat = """{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"IMAGE"}}]}]}""".Replace("IMAGE", image, StringComparison.Ordinal);
        var admin = $$"""{"display_name":"{{new string('a', 6_000_000)}}","role":"member"}""";

        using var accepted = await hub.Rest.PostAsync("/v1/chat/completions", new StringContent(chat, Encoding.UTF8, "application/json"));
        // The refused client asks before sending (as curl does for big bodies), so the early 413 reaches it.
        using var tooBig = new HttpRequestMessage(HttpMethod.Post, "/api/admin/users") { Content = new StringContent(admin, Encoding.UTF8, "application/json") };
        tooBig.Headers.ExpectContinue = true;
        using var refused = await hub.Rest.SendAsync(tooBig);

        Assert.True(chat.Length > 6_000_000);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Contains(image[..100], hub.Upstream.LastRequest.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
    }
}
