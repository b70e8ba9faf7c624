using System.Net;
using System.Text;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Anthropic;

/// <summary>How a non-streamed Messages answer becomes the hub's <see cref="Application.Chat.ChatCompletion"/>.</summary>
public sealed class AnthropicMessagesCompletionTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private FakeAnthropicUpstream _upstream = null!;
    private AnthropicAdapterHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeAnthropicUpstream.StartAsync();
        _harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl, time: new ManualClock(Now));
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Message_becomes_a_completion_named_as_the_hub_names_models()
    {
        _upstream.ResponseModel = "claude-sonnet-4-5-20250929";
        _upstream.Reply("Hello! How can I help?", new FakeAnthropicUsage(InputTokens: 12, OutputTokens: 7));

        var completion = await _harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        Assert.StartsWith("msg_", completion.Id, StringComparison.Ordinal);
        Assert.Equal(Now, completion.Created);
        Assert.Equal("anthropic/claude-sonnet-4-5-20250929", completion.Model);
        Assert.Equal("Hello! How can I help?", completion.Content);
        Assert.Equal("stop", completion.FinishReason);
        Assert.Equal(new TokenUsage(12, 7, 0), completion.Usage);
        Assert.Null(completion.SystemFingerprint);
    }

    [Fact]
    public async Task Model_is_prefixed_with_the_targets_provider_name()
    {
        await using var harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl, provider: "claude-eu");

        var completion = await harness.CompleteAsync(AnthropicAdapterHarness.Hello("claude-haiku-4-5"));

        Assert.Equal("claude-eu/claude-haiku-4-5", completion.Model);
    }

    [Fact]
    public async Task Cache_reads_and_writes_count_as_prompt_tokens_and_cache_reads_as_cached()
    {
        _upstream.Reply("ok", new FakeAnthropicUsage(InputTokens: 10, OutputTokens: 5, CacheCreationInputTokens: 20, CacheReadInputTokens: 30));

        var completion = await _harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        Assert.Equal(new TokenUsage(PromptTokens: 60, CompletionTokens: 5, CachedPromptTokens: 30), completion.Usage);
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("pause_turn", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("model_context_window_exceeded", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("refusal", "content_filter")]
    [InlineData("a_reason_added_later", "stop")]
    public async Task Stop_reason_becomes_an_openai_finish_reason(string stopReason, string finishReason)
    {
        _upstream.Reply("text", stopReason: stopReason);

        var completion = await _harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        Assert.Equal(finishReason, completion.FinishReason);
    }

    [Fact]
    public async Task Text_blocks_are_joined_tool_use_blocks_become_tool_calls_and_thinking_is_skipped()
    {
        await using var harness = Stubbed(
            """
            {"id":"msg_01","type":"message","role":"assistant","model":"claude-opus-4-1","content":[
              {"type":"thinking","thinking":"Let me think.","signature":"sig"},
              {"type":"text","text":"The answer ","citations":null},
              {"type":"tool_use","id":"toolu_1","name":"calc","input":{"text":"not this"}},
              {"text":"is 42.","type":"text"}
            ],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":null,"cache_read_input_tokens":null,"output_tokens":9,"server_tool_use":{"web_search_requests":0}}}
            """);

        var completion = await harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        Assert.Equal("The answer is 42.", completion.Content);
        Assert.Equal([new ToolCall("toolu_1", "calc", """{"text":"not this"}""")], completion.ToolCalls);
        Assert.Equal(new TokenUsage(3, 9, 0), completion.Usage);
        Assert.Equal("anthropic/claude-opus-4-1", completion.Model);
    }

    [Fact]
    public async Task Message_with_only_a_tool_call_has_no_content()
    {
        await using var harness = Stubbed(
            """{"id":"msg_01","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"calc","input":{}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":9}}""");

        var completion = await harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        Assert.Null(completion.Content);
        Assert.Equal("tool_calls", completion.FinishReason);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"id":"msg_01","type":"message","stop_reason":"end_turn"}""")]
    [InlineData("""{"id":"msg_01","content":"text","stop_reason":"end_turn"}""")]
    [InlineData("""{"id":"msg_01","content":[],"usage":{"input_tokens":-1}}""")]
    [InlineData("""{"id":"msg_01","content":[{"type":"text","text":"cut""")]
    public async Task Malformed_message_is_reported_as_unavailable(string body)
    {
        _upstream.RespondRaw(200, "application/json", body);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync(AnthropicAdapterHarness.Hello()));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The anthropic provider returned a malformed response.", error.Message);
    }

    [Fact]
    public async Task Consecutive_calls_reuse_one_connection()
    {
        await _harness.CompleteAsync(AnthropicAdapterHarness.Hello());
        await _harness.CompleteAsync(AnthropicAdapterHarness.Hello());

        Assert.Single(_upstream.ConnectionIds.Distinct());
    }

    private static AnthropicAdapterHarness Stubbed(string body) =>
        AnthropicAdapterHarness.Create(
            "https://api.anthropic.test",
            handler: new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            }));
}
