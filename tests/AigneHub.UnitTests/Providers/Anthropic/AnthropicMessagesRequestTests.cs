using System.Net;
using System.Text;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Anthropic;

/// <summary>What the adapter puts on the wire, as the fake Anthropic upstream received it.</summary>
public sealed class AnthropicMessagesRequestTests : IAsyncLifetime
{
    private FakeAnthropicUpstream _upstream = null!;
    private AnthropicAdapterHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeAnthropicUpstream.StartAsync();
        _harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Request_is_posted_to_v1_messages_with_the_key_and_version_headers()
    {
        await _harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        var request = _upstream.LastRequest;
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal(AnthropicAdapterHarness.ApiKey, request.Header("x-api-key"));
        Assert.Equal("2023-06-01", request.Header("anthropic-version"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.Null(request.Authorization);
    }

    [Fact]
    public async Task Minimal_request_carries_model_default_max_tokens_and_one_user_turn_of_text_blocks()
    {
        await _harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Hello there"}]}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Default_max_tokens_comes_from_the_options()
    {
        await using var harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["DefaultMaxTokens"] = "1000" });

        await harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        using var body = _upstream.LastRequest.Json();
        Assert.Equal(1000, body.RootElement.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public async Task Anthropic_version_comes_from_the_options()
    {
        await using var harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["AnthropicVersion"] = "2099-01-01" });

        await harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        Assert.Equal("2099-01-01", _upstream.LastRequest.Header("anthropic-version"));
    }

    [Fact]
    public async Task System_and_developer_messages_are_hoisted_into_one_system_prompt()
    {
        var request = Request(
            new ChatMessage(ChatRole.System, "Be brief."),
            new ChatMessage(ChatRole.User, "Hi"),
            new ChatMessage(ChatRole.Developer, null, [new TextPart("Answer in English.")]),
            new ChatMessage(ChatRole.System, string.Empty));

        await _harness.CompleteAsync(request);

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"system":"Be brief.\n\nAnswer in English.","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Settings_map_to_anthropic_names_and_those_without_a_counterpart_are_left_out()
    {
        var request = new ProviderChatRequest(
            "claude-sonnet-4-5",
            [new ChatMessage(ChatRole.User, "Grüße, 你好")],
            new ChatSettings
            {
                Temperature = 0.5,
                TopP = 0.9,
                MaxTokens = 100,
                Stop = ["\n\nHuman:", "END"],
                N = 1,
                Seed = 42,
                User = "user-1",
                PresencePenalty = 0,
                FrequencyPenalty = 0,
            });

        await _harness.CompleteAsync(request);

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":[{"type":"text","text":"Grüße, 你好"}]}],"temperature":0.5,"top_p":0.9,"stop_sequences":["\n\nHuman:","END"],"metadata":{"user_id":"user-1"}}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Consecutive_messages_of_one_role_are_merged_into_one_turn()
    {
        var request = Request(
            new ChatMessage(ChatRole.User, "one"),
            new ChatMessage(ChatRole.User, null, [new TextPart("two")]),
            new ChatMessage(ChatRole.Assistant, "three"),
            new ChatMessage(ChatRole.Assistant, "four"),
            new ChatMessage(ChatRole.User, "five"));

        await _harness.CompleteAsync(request);

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[""" +
            """{"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]},""" +
            """{"role":"assistant","content":[{"type":"text","text":"three"},{"type":"text","text":"four"}]},""" +
            """{"role":"user","content":[{"type":"text","text":"five"}]}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Assistant_messages_without_content_are_left_out_and_their_neighbours_merged()
    {
        var request = Request(
            new ChatMessage(ChatRole.User, "a"),
            new ChatMessage(ChatRole.Assistant, null),
            new ChatMessage(ChatRole.Assistant, string.Empty),
            new ChatMessage(ChatRole.User, null, [new TextPart(string.Empty), new TextPart("b")]));

        await _harness.CompleteAsync(request);

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Tool_messages_become_tool_result_blocks_of_a_user_turn()
    {
        var request = Request(
            new ChatMessage(ChatRole.User, "What is 6*7?"),
            new ChatMessage(ChatRole.Assistant, "Let me compute."),
            new ChatMessage(ChatRole.Tool, "42", toolCallId: "toolu_01"),
            new ChatMessage(ChatRole.Tool, null, [new TextPart("done")], toolCallId: "toolu_02"),
            new ChatMessage(ChatRole.Tool, string.Empty, toolCallId: "toolu_03"),
            new ChatMessage(ChatRole.User, "Thanks"));

        await _harness.CompleteAsync(request);

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[""" +
            """{"role":"user","content":[{"type":"text","text":"What is 6*7?"}]},""" +
            """{"role":"assistant","content":[{"type":"text","text":"Let me compute."}]},""" +
            """{"role":"user","content":[""" +
            """{"type":"tool_result","tool_use_id":"toolu_01","content":"42"},""" +
            """{"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"done"}]},""" +
            """{"type":"tool_result","tool_use_id":"toolu_03"},""" +
            """{"type":"text","text":"Thanks"}]}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Images_by_url_and_by_data_url_become_image_blocks()
    {
        var request = Request(new ChatMessage(
            ChatRole.User,
            null,
            [
                new TextPart("Compare these"),
                new ImagePart("https://example.com/cat.png", "high"),
                new ImagePart("data:image/PNG;base64,iVBORw0KGgo=", null),
                new ImagePart("data:image/svg+xml;charset=utf-8,%3Csvg%2F%3E", "low"),
            ]));

        await _harness.CompleteAsync(request);

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[""" +
            """{"type":"text","text":"Compare these"},""" +
            """{"type":"image","source":{"type":"url","url":"https://example.com/cat.png"}},""" +
            """{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},""" +
            """{"type":"image","source":{"type":"base64","media_type":"image/svg+xml","data":"PHN2Zy8+"}}]}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Streaming_request_asks_for_a_stream_of_events()
    {
        await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Hello there"}]}],"stream":true}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
        Assert.Equal("text/event-stream", _upstream.LastRequest.Header("Accept"));
    }

    [Theory]
    [InlineData("ftp://example.com/cat.png")]
    [InlineData("cat.png")]
    [InlineData("data:image/png;base64")]
    public async Task Image_anthropic_cannot_take_is_rejected_before_any_call(string url)
    {
        var request = Request(new ChatMessage(ChatRole.User, null, [new ImagePart(url, null)]));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync(request));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.StartsWith("The anthropic provider cannot take this request: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(url, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Fact]
    public async Task Credential_without_an_api_key_is_refused_before_any_call()
    {
        var target = _harness.Target with { Credential = ProviderCredential.ForAccessKeyPair("cred-pair", "AKIAEXAMPLE", "secret-example") };

        var error = await Assert.ThrowsAsync<UpstreamException>(
            () => _harness.Adapter.CompleteAsync(target, AnthropicAdapterHarness.Hello(), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.DoesNotContain("secret-example", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Theory]
    [InlineData("https://api.anthropic.test", "https://api.anthropic.test/v1/messages")]
    [InlineData("https://api.anthropic.test/", "https://api.anthropic.test/v1/messages")]
    [InlineData("https://gateway.example.test/anthropic/", "https://gateway.example.test/anthropic/v1/messages")]
    public async Task Endpoint_is_the_base_url_joined_to_v1_messages_with_one_slash(string baseUrl, string expected)
    {
        var handler = new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(
                """{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}""",
                Encoding.UTF8,
                "application/json"),
        });
        await using var harness = AnthropicAdapterHarness.Create(baseUrl, handler: handler);

        await harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        Assert.Equal(new Uri(expected), Assert.Single(handler.Requests).Uri);
    }

    private static ProviderChatRequest Request(params ChatMessage[] messages) => new("claude-sonnet-4-5", messages, ChatSettings.Default);

    [Theory]
    [InlineData("minimal", null, 1024)]
    [InlineData("medium", 20000, 8192)]
    [InlineData("xhigh", 4096, 4095)]
    public async Task Reasoning_effort_becomes_a_thinking_budget_that_max_tokens_can_hold(string effort, int? maxTokens, int budget)
    {
        var hello = AnthropicAdapterHarness.Hello();

        await _harness.CompleteAsync(hello with { Settings = new ChatSettings { ReasoningEffort = effort, MaxTokens = maxTokens ?? 4096 } });

        using var body = _upstream.LastRequest.Json();
        var thinking = body.RootElement.GetProperty("thinking");
        Assert.Equal("enabled", thinking.GetProperty("type").GetString());
        Assert.Equal(budget, thinking.GetProperty("budget_tokens").GetInt32());
    }

    [Fact]
    public async Task A_turn_that_continues_a_tool_call_is_sent_without_thinking()
    {
        var request = new ProviderChatRequest(
            "claude-sonnet-4-5",
            [
                new ChatMessage(ChatRole.User, "Weather in Paris?"),
                new ChatMessage(ChatRole.Assistant, null, toolCalls: [new ToolCall("toolu_1", "get_weather", """{"city":"Paris"}""")]),
                new ChatMessage(ChatRole.Tool, "18 C", toolCallId: "toolu_1"),
            ],
            new ChatSettings { ReasoningEffort = "high", MaxTokens = 8000 });

        await _harness.CompleteAsync(request);

        using var body = _upstream.LastRequest.Json();
        Assert.False(body.RootElement.TryGetProperty("thinking", out _));
    }

    [Fact]
    public async Task Reasoning_effort_none_sends_no_thinking()
    {
        var hello = AnthropicAdapterHarness.Hello();

        await _harness.CompleteAsync(hello with { Settings = new ChatSettings { ReasoningEffort = "none" } });

        using var body = _upstream.LastRequest.Json();
        Assert.False(body.RootElement.TryGetProperty("thinking", out _));
    }
}
