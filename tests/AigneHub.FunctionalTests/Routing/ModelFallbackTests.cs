using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Domain.Access;
using AigneHub.Tests.Shared;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Routing;

/// <summary>
/// Model fallback chains: a chat call whose model fails in a way its chain moves on for is served by the chain's next
/// model (on another provider), unary and streamed, before the first streamed byte only; the call record names the
/// model that served and why the others did not; models outside the key's allow-list are never tried.
/// </summary>
[Collection(FallbackCollection.Name)]
public sealed class ModelFallbackTests(FallbackHubFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "hello" }];

    [Fact]
    public async Task A_chain_whose_first_model_is_rate_limited_and_second_fails_is_served_by_the_third_with_the_path_on_the_record()
    {
        hub.ResetUpstreams();
        hub.First.Fail(429, "slow down");
        hub.Second.Fail(500, "boom");
        hub.Third.Reply("from the third", new FakeUsage(7, 3));

        using var response = await hub.PostChatAsync(new { model = "deepseek/chain-first", messages = Hello });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var answer = JsonDocument.Parse(body);
        Assert.Equal("from the third", answer.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Single(hub.First.Requests);
        Assert.Single(hub.Second.Requests);
        using var sent = hub.Third.LastRequest.Json();
        Assert.Equal("chain-third", sent.RootElement.GetProperty("model").GetString());
        var record = await hub.WaitForCallRecordAsync(RequestIdOf(response));
        AssertServedByThirdAfterPath(record);
    }

    [Fact]
    public async Task A_streamed_chain_whose_first_model_is_rate_limited_and_second_fails_streams_from_the_third()
    {
        hub.ResetUpstreams();
        hub.First.Fail(429, "slow down");
        hub.Second.Fail(503, "down");
        hub.Third.ReplyStream(["streamed ", "by third"], new FakeUsage(7, 2));

        using var response = await hub.PostChatAsync(new
        {
            model = "deepseek/chain-first", messages = Hello, stream = true, stream_options = new { include_usage = true },
        });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("streamed ", body);
        Assert.Contains("by third", body);
        Assert.EndsWith("data: [DONE]\n\n", body);
        var record = await hub.WaitForCallRecordAsync(RequestIdOf(response));
        AssertServedByThirdAfterPath(record);
    }

    [Fact]
    public async Task A_stream_that_fails_after_its_first_byte_does_not_fall_back()
    {
        hub.ResetUpstreams();
        hub.First.TruncateStream("half an ");

        using var response = await hub.PostChatAsync(new { model = "deepseek/chain-first", messages = Hello, stream = true });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Contains("half an ", body);
        Assert.Empty(hub.Second.Requests);
        Assert.Empty(hub.Third.Requests);
        var record = await hub.WaitForCallRecordAsync(RequestIdOf(response));
        Assert.Equal("failed", record.GetProperty("status").GetString());
        Assert.Equal("deepseek", record.GetProperty("provider").GetString());
        Assert.Equal(0, record.GetProperty("skipped_models").GetArrayLength());
    }

    [Fact]
    public async Task A_fallback_outside_the_keys_allow_list_is_never_tried_and_the_record_says_so()
    {
        hub.ResetUpstreams();
        hub.First.Fail(429, "slow down");
        hub.Second.Reply("must not be asked");
        hub.Third.Reply("allowed fallback", new FakeUsage(5, 2));
        using var client = TestAccess.RestClient(hub.RestUri, await KeyAsync(["deepseek/chain-first", "openrouter/*"]));

        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "deepseek/chain-first", messages = Hello });
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Contains("allowed fallback", body);
        Assert.Empty(hub.Second.Requests);
        var record = await hub.WaitForCallRecordAsync(RequestIdOf(response));
        Assert.Equal("openrouter", record.GetProperty("provider").GetString());
        Assert.Equal(
            ["deepseek/chain-first:rate_limited", "xai/chain-second:not_allowed"],
            Path(record));
    }

    [Fact]
    public async Task A_request_can_name_its_own_fallback_models_as_OpenRouter_does()
    {
        hub.ResetUpstreams();
        hub.Second.Fail(500, "boom");
        hub.Third.Reply("chosen by the request", new FakeUsage(5, 2));

        using var response = await hub.PostChatAsync(new { models = new[] { "xai/chain-second", "openrouter/chain-third" }, messages = Hello });
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var answer = JsonDocument.Parse(body);
        Assert.Equal("chosen by the request", answer.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Empty(hub.First.Requests);
        var record = await hub.WaitForCallRecordAsync(RequestIdOf(response));
        Assert.Equal(["xai/chain-second:server_error"], Path(record));
    }

    [Fact]
    public async Task A_failure_the_chain_does_not_move_on_for_is_answered_without_trying_the_next_model()
    {
        hub.ResetUpstreams();
        hub.First.Fail(400, "This model's maximum context length is 8 tokens.");

        using var response = await hub.PostChatAsync(new { model = "deepseek/chain-first", messages = Hello });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(hub.Second.Requests);
        Assert.Empty(hub.Third.Requests);
    }

    private static void AssertServedByThirdAfterPath(JsonElement record)
    {
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
        Assert.Equal("openrouter", record.GetProperty("provider").GetString());
        Assert.Equal("chain-third", record.GetProperty("model").GetString());
        Assert.Equal(["deepseek/chain-first:rate_limited", "xai/chain-second:server_error"], Path(record));
    }

    private static string[] Path(JsonElement record) =>
        [.. record.GetProperty("skipped_models").EnumerateArray().Select(s => $"{s.GetProperty("model").GetString()}:{s.GetProperty("reason").GetString()}")];

    private static string RequestIdOf(HttpResponseMessage response) => response.Headers.GetValues("x-request-id").Single();

    private async Task<string> KeyAsync(string[] models)
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "fallbacks", role = "member" });
        var userText = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, userText);
        using var userBody = JsonDocument.Parse(userText);
        var userId = userBody.RootElement.GetProperty("user").GetProperty("id").GetString();
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "fallback key", scopes = new[] { KeyScopes.Inference }, models });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("secret").GetString()!;
    }
}
