using System.Net;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Usage;

[Collection(HubCollection.Name)]
public sealed class CallRecordTests(HubFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "count my tokens please" }];

    [Fact]
    public async Task Successful_call_leaves_a_record_with_tokens_and_timings()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("ok", new FakeUsage(11, 1));
        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello });
        var requestId = response.Headers.GetValues("x-request-id").Single();

        var record = await hub.WaitForCallRecordAsync(requestId);

        Assert.Equal("openai", record.GetProperty("provider").GetString());
        Assert.Equal("gpt-4o-mini", record.GetProperty("model").GetString());
        Assert.Equal("chat", record.GetProperty("call_type").GetString());
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
        Assert.Equal(11, record.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(1, record.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(12, record.GetProperty("total_tokens").GetInt32());
        Assert.True(record.GetProperty("latency_ms").GetDouble() > 0);
        Assert.True(record.GetProperty("ttfb_ms").GetDouble() <= record.GetProperty("latency_ms").GetDouble());
    }

    [Fact]
    public async Task Failed_call_leaves_a_record_with_its_error_kind()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(401);
        using var response = await hub.PostChatAsync(new { model = "openai/gpt-4o-mini", messages = Hello });
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var requestId = response.Headers.GetValues("x-request-id").Single();

        var record = await hub.WaitForCallRecordAsync(requestId);

        Assert.Equal("failed", record.GetProperty("status").GetString());
        Assert.Equal("upstream_auth", record.GetProperty("error_kind").GetString());
    }

    [Fact]
    public async Task Streamed_call_record_carries_the_usage_the_provider_reported()
    {
        using var response = await hub.PostChatAsync(new { model = "demo/echo", messages = Hello, stream = true });
        await response.Content.ReadAsStringAsync();
        var requestId = response.Headers.GetValues("x-request-id").Single();

        var record = await hub.WaitForCallRecordAsync(requestId);

        Assert.True(record.GetProperty("streamed").GetBoolean());
        Assert.Equal("demo", record.GetProperty("provider").GetString());
        Assert.Equal(4, record.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(4, record.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Recent_calls_are_listed_newest_first_over_grpc_too()
    {
        for (var i = 0; i < 3; i++)
        {
            using var response = await hub.PostChatAsync(new { model = "demo/echo", messages = Hello });
            response.EnsureSuccessStatusCode();
        }

        ListCallsResponse listed = new();
        for (var attempt = 0; attempt < 100 && listed.Calls.Count < 3; attempt++)
        {
            listed = await new AigneHub.Api.Grpc.V1.Usage.UsageClient(hub.Grpc).ListCallsAsync(new ListCallsRequest { Limit = 3 });
            await Task.Delay(50);
        }

        Assert.Equal(3, listed.Calls.Count);
        var times = listed.Calls.Select(c => c.StartedAt.ToDateTimeOffset()).ToArray();
        Assert.Equal(times.OrderByDescending(t => t), times);
    }

    [Fact]
    public async Task Listing_more_than_the_maximum_is_refused()
    {
        using var response = await hub.Rest.GetAsync("/api/usage/calls?limit=100000");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("limit", body.RootElement.GetProperty("message").GetString());
    }
}
