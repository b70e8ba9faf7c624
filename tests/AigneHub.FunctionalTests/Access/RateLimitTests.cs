using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Hosting;
using AigneHub.FunctionalTests.Admin;
using AigneHub.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace AigneHub.FunctionalTests.Access;

/// <summary>Per-key limits through the real host, on one instance and across two sharing the database.</summary>
[Collection(HubCollection.Name)]
public sealed class RateLimitTests(HubFixture hub)
{
    private static readonly object DemoChat = new { model = "demo/echo", messages = new object[] { new { role = "user", content = "hello" } } };

    [Fact]
    public async Task Key_over_its_requests_per_minute_gets_429_with_retry_after_and_ratelimit_headers()
    {
        using var client = TestAccess.RestClient(hub.RestUri, await KeyAsync(new { requests_per_minute = 2 }));

        using var first = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);
        using var second = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);
        using var third = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(int.Parse(third.Headers.RetryAfter!.ToString(), System.Globalization.CultureInfo.InvariantCulture) is > 0 and <= 60);
        Assert.Equal("2", third.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("0", third.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        using var body = JsonDocument.Parse(await third.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(("rate_limit_error", "rate_limit_exceeded"), (error.Str("type"), error.Str("code")));
        Assert.Contains("requests per minute", error.Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_estimated_above_the_keys_tokens_per_minute_is_refused_before_any_provider()
    {
        using var client = TestAccess.RestClient(hub.RestUri, await KeyAsync(new { tokens_per_minute = 500 }));

        using var small = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", max_tokens = 50, messages = new object[] { new { role = "user", content = "hi" } } });
        using var large = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", max_tokens = 2000, messages = new object[] { new { role = "user", content = "hi" } } });

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, large.StatusCode);
        Assert.Equal("500", large.Headers.GetValues("x-ratelimit-limit-tokens").Single());
        Assert.Contains("tokens per minute", await large.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Streaming_call_over_the_limit_is_refused_with_429_before_the_stream_opens()
    {
        using var client = TestAccess.RestClient(hub.RestUri, await KeyAsync(new { requests_per_minute = 1 }));
        var streamed = new { model = "demo/echo", stream = true, messages = new object[] { new { role = "user", content = "hi" } } };

        using var first = await client.PostAsJsonAsync("/v1/chat/completions", streamed);
        _ = await first.Content.ReadAsStringAsync();
        using var second = await client.PostAsJsonAsync("/v1/chat/completions", streamed);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.NotNull(second.Headers.RetryAfter);
    }

    [Fact]
    public async Task Limit_holds_across_two_instances_sharing_the_database()
    {
        await using var second = await hub.StartSecondInstanceAsync();
        var key = await KeyAsync(new { requests_per_minute = 4 });
        using var onFirst = TestAccess.RestClient(hub.RestUri, key);
        using var onSecond = TestAccess.RestClient(second.RestUri, key);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var a = await onFirst.PostAsJsonAsync("/v1/chat/completions", DemoChat);
            using var b = await onSecond.PostAsJsonAsync("/v1/chat/completions", DemoChat);
            statuses.Add(a.StatusCode);
            statuses.Add(b.StatusCode);
        }

        // The window may roll over mid-test; then more than four pass, but never more than four in one window.
        Assert.InRange(statuses.Count(s => s == HttpStatusCode.OK), 4, 6);
        if (statuses.Count(s => s == HttpStatusCode.OK) == 4)
        {
            Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses[4..]);
        }
    }

    private async Task<string> KeyAsync(object limits)
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "limited", role = "member" });
        using var userBody = JsonDocument.Parse(await user.Content.ReadAsStringAsync());
        var userId = userBody.RootElement.GetProperty("user").Str("id");
        var request = JsonSerializer.SerializeToNode(limits)!.AsObject();
        request["user_id"] = userId;
        request["name"] = "limited key";
        request["scopes"] = new System.Text.Json.Nodes.JsonArray("inference");
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", request);
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Str("secret")!;
    }
}
