using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Bedrock;

/// <summary>
/// Tool calling and response formats through the Bedrock Converse adapter, against a fake Bedrock that checks the
/// signature and Converse's rules for tool blocks: the request JSON Converse receives, and the OpenAI-shaped tool
/// calls that come back, unary and streamed.
/// </summary>
public sealed class BedrockToolCallingTests : IAsyncLifetime
{
    private const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""";

    private static readonly ToolDefinition Weather = new("get_weather", "Current weather of a city", WeatherSchema);

    private static readonly ToolDefinition Time = new("get_time", Description: null, ParametersJson: null, Strict: true);

    private FakeBedrockUpstream _upstream = null!;

    public async Task InitializeAsync() => _upstream = await FakeBedrockUpstream.StartAsync();

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task Tools_become_tool_specs_and_a_required_choice_becomes_any()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        await harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather, Time], ToolChoice = ToolChoice.Required, ParallelToolCalls = false }));

        using var body = _upstream.LastRequest.Json();
        AssertJson(
            """
            {
              "tools": [
                {"toolSpec": {"name": "get_weather", "description": "Current weather of a city", "inputSchema": {"json": WEATHER }}},
                {"toolSpec": {"name": "get_time", "inputSchema": {"json": {"type": "object", "properties": {}}}, "strict": true}}
              ],
              "toolChoice": {"any": {}}
            }
            """.Replace("WEATHER", WeatherSchema, StringComparison.Ordinal),
            body.RootElement.GetProperty("toolConfig"));

        // Converse has no counterpart of parallel_tool_calls: nothing else is added to the body.
        Assert.Equal(["messages", "toolConfig"], body.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("auto", null)]
    [InlineData("unset", null)]
    [InlineData("function", """{"tool":{"name":"get_time"}}""")]
    public async Task Tool_choice_maps_to_converses_tool_choice(string mode, string? expected)
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var choice = mode switch
        {
            "auto" => ToolChoice.Auto,
            "function" => ToolChoice.Function("get_time"),
            _ => null,
        };

        await harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather, Time], ToolChoice = choice }));

        using var body = _upstream.LastRequest.Json();
        var toolConfig = body.RootElement.GetProperty("toolConfig");
        Assert.Equal(2, toolConfig.GetProperty("tools").GetArrayLength());
        if (expected is null)
        {
            Assert.False(toolConfig.TryGetProperty("toolChoice", out _));
        }
        else
        {
            AssertJson(expected, toolConfig.GetProperty("toolChoice"));
        }
    }

    [Fact]
    public async Task Tool_choice_none_leaves_the_tools_out()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        await harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather], ToolChoice = ToolChoice.None }));

        using var body = _upstream.LastRequest.Json();
        Assert.False(body.RootElement.TryGetProperty("toolConfig", out _));
    }

    [Fact]
    public async Task A_tool_round_trip_sends_tool_use_and_merged_tool_result_blocks()
    {
        _upstream.Reply(["It is sunny in Paris and 10:00."]);
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var request = new ProviderChatRequest(
            BedrockAdapterHarness.Model,
            [
                new ChatMessage(ChatRole.User, "Weather and time in Paris?"),
                new ChatMessage(ChatRole.Assistant, "Let me check.", toolCalls:
                [
                    new ToolCall("tooluse_w1", "get_weather", """{"city": "Paris"}"""),
                    new ToolCall("tooluse_t2", "get_time", string.Empty),
                ]),
                new ChatMessage(ChatRole.Tool, """{"sky":"sunny"}""", toolCallId: "tooluse_w1"),
                new ChatMessage(ChatRole.Tool, null, [new TextPart("10:00"), new ImagePart("data:image/png;base64,iVBORw0KGgo=", null)], toolCallId: "tooluse_t2"),
            ],
            new ChatSettings { Tools = [Weather, Time] });

        var completion = await harness.CompleteAsync(request);

        Assert.Equal("It is sunny in Paris and 10:00.", completion.Content);
        using var body = _upstream.LastRequest.Json();
        AssertJson(
            """
            [
              {"role": "user", "content": [{"text": "Weather and time in Paris?"}]},
              {"role": "assistant", "content": [
                {"text": "Let me check."},
                {"toolUse": {"toolUseId": "tooluse_w1", "name": "get_weather", "input": {"city": "Paris"}}},
                {"toolUse": {"toolUseId": "tooluse_t2", "name": "get_time", "input": {}}}
              ]},
              {"role": "user", "content": [
                {"toolResult": {"toolUseId": "tooluse_w1", "content": [{"text": "{\"sky\":\"sunny\"}"}]}},
                {"toolResult": {"toolUseId": "tooluse_t2", "content": [
                  {"text": "10:00"},
                  {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}
                ]}}
              ]}
            ]
            """,
            body.RootElement.GetProperty("messages"));
    }

    [Fact]
    public async Task An_assistant_turn_with_only_tool_calls_has_no_empty_text_block()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        await harness.CompleteAsync(RoundTrip(new ChatSettings { Tools = [Weather] }));

        using var body = _upstream.LastRequest.Json();
        AssertJson(
            """[{"toolUse": {"toolUseId": "tooluse_w1", "name": "get_weather", "input": {"city": "Paris"}}}]""",
            body.RootElement.GetProperty("messages")[1].GetProperty("content"));
    }

    [Fact]
    public async Task A_tool_result_of_only_an_image_has_no_empty_text_block()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var request = new ProviderChatRequest(
            BedrockAdapterHarness.Model,
            [
                new ChatMessage(ChatRole.User, "Show me the chart"),
                new ChatMessage(ChatRole.Assistant, null, toolCalls: [new ToolCall("tooluse_c1", "get_chart", "{}")]),
                new ChatMessage(ChatRole.Tool, null, [new ImagePart("data:image/jpeg;base64,/9j/4AAQ", null)], toolCallId: "tooluse_c1"),
            ],
            new ChatSettings { Tools = [new ToolDefinition("get_chart", "A chart", null)] });

        await harness.CompleteAsync(request);

        using var body = _upstream.LastRequest.Json();
        AssertJson(
            """[{"toolResult": {"toolUseId": "tooluse_c1", "content": [{"image": {"format": "jpeg", "source": {"bytes": "/9j/4AAQ"}}}]}}]""",
            body.RootElement.GetProperty("messages")[2].GetProperty("content"));
    }

    [Fact]
    public async Task Tool_choice_none_keeps_the_tools_when_the_conversation_holds_tool_blocks_because_converse_requires_them()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        await harness.CompleteAsync(RoundTrip(new ChatSettings { Tools = [Weather], ToolChoice = ToolChoice.None }));

        using var body = _upstream.LastRequest.Json();
        var toolConfig = body.RootElement.GetProperty("toolConfig");
        Assert.Equal("get_weather", toolConfig.GetProperty("tools")[0].GetProperty("toolSpec").GetProperty("name").GetString());
        Assert.False(toolConfig.TryGetProperty("toolChoice", out _));
    }

    [Fact]
    public async Task A_conversation_with_tool_calls_but_no_tools_declares_the_functions_it_used()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var completion = await harness.CompleteAsync(RoundTrip(ChatSettings.Default));

        Assert.Equal("stop", completion.FinishReason);
        using var body = _upstream.LastRequest.Json();
        AssertJson(
            """{"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object", "properties": {}}}}}]}""",
            body.RootElement.GetProperty("toolConfig"));
    }

    [Theory]
    [InlineData("{\"city\": \"Par")]
    [InlineData("[\"Paris\"]")]
    public async Task Tool_call_arguments_that_are_not_a_json_object_are_rejected_before_anything_is_sent(string arguments)
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var request = new ProviderChatRequest(
            BedrockAdapterHarness.Model,
            [
                new ChatMessage(ChatRole.User, "Weather?"),
                new ChatMessage(ChatRole.Assistant, null, toolCalls: [new ToolCall("tooluse_w1", "get_weather", arguments)]),
                new ChatMessage(ChatRole.Tool, "sunny", toolCallId: "tooluse_w1"),
            ],
            new ChatSettings { Tools = [Weather] });

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync(request));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Contains("messages[1].tool_calls[0].function.arguments is not a JSON object", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Par", error.Message, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task A_tool_schema_that_is_not_a_json_object_is_rejected_before_anything_is_sent()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var error = await Assert.ThrowsAsync<UpstreamException>(() =>
            harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather, new ToolDefinition("broken", null, "\"string\"")] })));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Contains("tools[1].function.parameters is not a JSON schema object", error.Message, StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task A_json_schema_response_format_becomes_converses_structured_output_config()
    {
        const string Schema = """{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false}""";
        _upstream.Reply(["""{"answer":"42"}"""]);
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var format = new ResponseFormat(ResponseFormatKind.JsonSchema, "answer", Schema, Strict: true, Description: "The answer");

        var completion = await harness.CompleteAsync(Ask(new ChatSettings { ResponseFormat = format }));

        Assert.Equal("""{"answer":"42"}""", completion.Content);
        using var body = _upstream.LastRequest.Json();
        var outputConfig = body.RootElement.GetProperty("outputConfig");
        AssertJson(
            """{"textFormat": {"type": "json_schema", "structure": {"jsonSchema": {"schema": SCHEMA, "name": "answer", "description": "The answer"}}}}"""
                .Replace("SCHEMA", JsonSerializer.Serialize(Schema), StringComparison.Ordinal),
            outputConfig);
        Assert.False(body.RootElement.TryGetProperty("system", out _));
    }

    [Fact]
    public async Task Json_mode_without_a_schema_becomes_a_system_instruction_after_the_callers_own()
    {
        await using var harness = BedrockAdapterHarness.Create(_upstream);
        var request = new ProviderChatRequest(
            BedrockAdapterHarness.Model,
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "List two colours as JSON")],
            new ChatSettings { ResponseFormat = ResponseFormat.JsonObject });

        await harness.CompleteAsync(request);

        using var body = _upstream.LastRequest.Json();
        AssertJson(
            $$"""[{"text": "Be brief."}, {"text": {{JsonSerializer.Serialize(BedrockConverseRequestWriter.JsonObjectInstruction)}}}]""",
            body.RootElement.GetProperty("system"));
        Assert.False(body.RootElement.TryGetProperty("outputConfig", out _));
    }

    [Fact]
    public async Task A_tool_use_answer_comes_back_as_tool_calls_with_bedrocks_ids()
    {
        _upstream.ReplyWithToolUse(
            ["Checking."],
            [
                new FakeBedrockToolUse("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather", """{"city":"Paris"}"""),
                new FakeBedrockToolUse("tooluse_2nd", "get_time", "{}"),
            ],
            new FakeBedrockUsage(30, 12));
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var completion = await harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather, Time] }));

        Assert.Equal("Checking.", completion.Content);
        Assert.Equal("tool_calls", completion.FinishReason);
        Assert.Equal(
            [new ToolCall("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "get_weather", """{"city":"Paris"}"""), new ToolCall("tooluse_2nd", "get_time", "{}")],
            completion.ToolCalls);
        Assert.Equal(42, completion.Usage.TotalTokens);
    }

    [Fact]
    public async Task A_tool_use_answer_without_text_has_no_content()
    {
        _upstream.ReplyWithToolUse([], [new FakeBedrockToolUse("tooluse_1", "get_weather", """{"city":"Oslo"}""")]);
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var completion = await harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather] }));

        Assert.Null(completion.Content);
        Assert.Equal("get_weather", Assert.Single(completion.ToolCalls!).Name);
    }

    [Fact]
    public async Task A_streamed_tool_use_answer_becomes_ordered_tool_call_deltas_after_the_text()
    {
        _upstream.ReplyWithToolUse(
            ["Let me ", "check."],
            [
                new FakeBedrockToolUse("tooluse_a", "get_weather", """{"city":"Paris"}""", ["{\"ci", "ty\":\"Pa", "ris\"}"]),
                new FakeBedrockToolUse("tooluse_b", "get_time", "{}"),
            ],
            new FakeBedrockUsage(30, 12));
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var updates = await harness.CollectAsync(Ask(new ChatSettings { Tools = [Weather, Time] }));

        Assert.Equal("assistant", updates[0].Role);
        var text = string.Concat(updates.Select(u => u.ContentDelta));
        Assert.Equal("Let me check.", text);
        var lastText = updates.FindLastIndex(u => !string.IsNullOrEmpty(u.ContentDelta));
        var firstTool = updates.FindIndex(u => u.ToolCallDeltas is not null);
        Assert.True(lastText < firstTool, "the text comes before the tool calls, as in the answer");

        var deltas = updates.Where(u => u.ToolCallDeltas is not null).SelectMany(u => u.ToolCallDeltas!).ToList();
        Assert.Equal(new ToolCallDelta(0, "tooluse_a", "get_weather", string.Empty), deltas[0]);
        Assert.All(deltas.Where(d => d.Id is null), d => Assert.Null(d.Name));
        Assert.Equal(["tooluse_a", "tooluse_b"], deltas.Where(d => d.Id is not null).Select(d => d.Id));
        Assert.Equal([0, 1], deltas.Where(d => d.Id is not null).Select(d => d.Index));
        Assert.Equal("""{"city":"Paris"}""", string.Concat(deltas.Where(d => d.Index == 0).Select(d => d.ArgumentsDelta)));
        Assert.Equal("{}", string.Concat(deltas.Where(d => d.Index == 1).Select(d => d.ArgumentsDelta)));
        Assert.Equal(3, deltas.Count(d => d.Index == 0 && d.Id is null));

        Assert.Equal("tool_calls", updates.Single(u => u.FinishReason is not null).FinishReason);
        Assert.Equal(42, updates[^1].Usage!.Value.TotalTokens);
    }

    [Fact]
    public void Tool_calls_are_numbered_in_order_of_appearance_not_by_content_block_index()
    {
        var parser = new BedrockConverseStreamParser("id", "bedrock/m", DateTimeOffset.UnixEpoch);

        var first = Parse(parser, "contentBlockStart", """{"contentBlockIndex":3,"start":{"toolUse":{"toolUseId":"t3","name":"a"}}}""");
        var second = Parse(parser, "contentBlockStart", """{"contentBlockIndex":5,"start":{"toolUse":{"toolUseId":"t5","name":"b"}}}""");
        var fragment = Parse(parser, "contentBlockDelta", """{"contentBlockIndex":5,"delta":{"toolUse":{"input":"{\"x\":1}"}}}""");

        Assert.Equal(new ToolCallDelta(0, "t3", "a", string.Empty), Assert.Single(first!.ToolCallDeltas!));
        Assert.Equal(new ToolCallDelta(1, "t5", "b", string.Empty), Assert.Single(second!.ToolCallDeltas!));
        Assert.Equal(new ToolCallDelta(1, null, null, "{\"x\":1}"), Assert.Single(fragment!.ToolCallDeltas!));
    }

    [Theory]
    [InlineData("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{}"}}}""")]
    [InlineData("contentBlockStart", """{"contentBlockIndex":1,"start":{"toolUse":{"name":"a"}}}""")]
    [InlineData("contentBlockStart", """{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":7,"name":"a"}}}""")]
    public void A_tool_use_event_that_cannot_be_placed_is_malformed(string eventType, string payload)
    {
        var parser = new BedrockConverseStreamParser("id", "bedrock/m", DateTimeOffset.UnixEpoch);

        Assert.Throws<JsonException>(() => Parse(parser, eventType, payload));
    }

    [Fact]
    public async Task A_malformed_tool_use_event_fails_the_stream_as_upstream_unavailable()
    {
        _upstream.ReplyWithToolUse([], [new FakeBedrockToolUse(string.Empty, "get_weather", "{}")]);
        await using var harness = BedrockAdapterHarness.Create(_upstream);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CollectAsync(Ask(new ChatSettings { Tools = [Weather] })));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
    }

    private static ChatCompletionUpdate? Parse(BedrockConverseStreamParser parser, string eventType, string payload) =>
        parser.Parse(eventType, Encoding.UTF8.GetBytes(payload));

    private static ProviderChatRequest Ask(ChatSettings settings) =>
        new(BedrockAdapterHarness.Model, [new ChatMessage(ChatRole.User, "Weather in Paris?")], settings);

    private static ProviderChatRequest RoundTrip(ChatSettings settings) =>
        new(
            BedrockAdapterHarness.Model,
            [
                new ChatMessage(ChatRole.User, "Weather in Paris?"),
                new ChatMessage(ChatRole.Assistant, null, toolCalls: [new ToolCall("tooluse_w1", "get_weather", """{"city":"Paris"}""")]),
                new ChatMessage(ChatRole.Tool, "sunny", toolCallId: "tooluse_w1"),
            ],
            settings);

    private static void AssertJson(string expected, JsonElement actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        var actualNode = JsonNode.Parse(actual.GetRawText());
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"expected {expectedNode?.ToJsonString()}\nactual   {actualNode?.ToJsonString()}");
    }
}
