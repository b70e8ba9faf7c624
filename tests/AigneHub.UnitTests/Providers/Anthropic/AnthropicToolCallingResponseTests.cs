using System.Net;
using System.Text;
using System.Text.Json;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Anthropic;

/// <summary>How Anthropic's tool_use answers, unary and streamed, become OpenAI-shaped tool calls (and JSON answers).</summary>
public sealed class AnthropicToolCallingResponseTests : IAsyncLifetime
{
    private static readonly ProviderChatRequest WithTools = new(
        "claude-sonnet-4-5",
        [new ChatMessage(ChatRole.User, "Weather in Paris and Rome?")],
        new ChatSettings { Tools = [new ToolDefinition("get_weather", null, """{"type":"object","properties":{"city":{"type":"string"}}}""")] });

    private static readonly ProviderChatRequest AsksForJson = WithTools with
    {
        Settings = WithTools.Settings with { ResponseFormat = ResponseFormat.JsonObject },
    };

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
    public async Task Documented_tool_use_message_becomes_tool_calls_with_finish_reason_tool_calls()
    {
        await using var harness = Stubbed(
            """
            {"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
             "content":[
               {"type":"text","text":"I'll check the current weather in San Francisco for you."},
               {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"location": "San Francisco, CA", "unit": "celsius"}}
             ],
             "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":384,"output_tokens":81}}
            """,
            "application/json");

        var completion = await harness.CompleteAsync(WithTools);

        Assert.Equal("I'll check the current weather in San Francisco for you.", completion.Content);
        var call = Assert.Single(completion.ToolCalls!);
        Assert.Equal("toolu_01A09q90qw90lq917835lq9", call.Id);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("""{"location": "San Francisco, CA", "unit": "celsius"}""", call.Arguments);
        using (var arguments = JsonDocument.Parse(call.Arguments))
        {
            Assert.Equal("San Francisco, CA", arguments.RootElement.GetProperty("location").GetString());
        }

        Assert.Equal("tool_calls", completion.FinishReason);
        Assert.Equal(new TokenUsage(384, 81, 0), completion.Usage);
    }

    [Fact]
    public async Task Several_tool_uses_keep_their_order_and_ids()
    {
        _upstream.ReplyToolUse(
            null,
            new FakeAnthropicToolUse("toolu_01", "get_weather", """{"city":"Paris"}"""),
            new FakeAnthropicToolUse("toolu_02", "get_weather", """{"city":"Rome","days":[1,2]}"""));

        var completion = await _harness.CompleteAsync(WithTools);

        Assert.Null(completion.Content);
        Assert.Equal(
            [new ToolCall("toolu_01", "get_weather", """{"city":"Paris"}"""), new ToolCall("toolu_02", "get_weather", """{"city":"Rome","days":[1,2]}""")],
            completion.ToolCalls);
        Assert.Equal("tool_calls", completion.FinishReason);
    }

    [Fact]
    public async Task Tool_use_with_null_input_has_empty_object_arguments()
    {
        await using var harness = Stubbed(
            """{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"get_time","input":null}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}""",
            "application/json");

        var completion = await harness.CompleteAsync(WithTools);

        Assert.Equal([new ToolCall("toolu_1", "get_time", "{}")], completion.ToolCalls);
    }

    [Theory]
    [InlineData("""{"type":"tool_use","name":"get_time","input":{}}""")]
    [InlineData("""{"type":"tool_use","id":"toolu_1","input":{}}""")]
    public async Task Tool_use_without_an_id_or_name_is_a_malformed_answer(string block)
    {
        await using var harness = Stubbed(
            """{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[""" + block + """],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}""",
            "application/json");

        var error = await Assert.ThrowsAsync<UpstreamException>(() => harness.CompleteAsync(WithTools));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The anthropic provider returned a malformed response.", error.Message);
    }

    [Fact]
    public async Task Answer_tool_call_becomes_the_content_and_the_answer_finishes_as_stop()
    {
        _upstream.ReplyToolUse(null, new FakeAnthropicToolUse("toolu_9", "json_response", """{"city":"Paris","temp":18}"""));

        var completion = await _harness.CompleteAsync(AsksForJson);

        Assert.Equal("""{"city":"Paris","temp":18}""", completion.Content);
        Assert.Null(completion.ToolCalls);
        Assert.Equal("stop", completion.FinishReason);
    }

    [Fact]
    public async Task Answer_tool_call_is_a_tool_call_like_any_other_when_no_json_answer_was_asked_for()
    {
        _upstream.ReplyToolUse(null, new FakeAnthropicToolUse("toolu_9", "json_response", """{"a":1}"""));

        var completion = await _harness.CompleteAsync(WithTools);

        Assert.Null(completion.Content);
        Assert.Equal([new ToolCall("toolu_9", "json_response", """{"a":1}""")], completion.ToolCalls);
        Assert.Equal("tool_calls", completion.FinishReason);
    }

    [Fact]
    public async Task Callers_tool_calls_stay_tool_calls_when_a_json_answer_was_asked_for()
    {
        _upstream.ReplyToolUse(null, new FakeAnthropicToolUse("toolu_1", "get_weather", """{"city":"Paris"}"""));

        var completion = await _harness.CompleteAsync(AsksForJson);

        Assert.Null(completion.Content);
        Assert.Equal([new ToolCall("toolu_1", "get_weather", """{"city":"Paris"}""")], completion.ToolCalls);
        Assert.Equal("tool_calls", completion.FinishReason);
    }

    [Fact]
    public async Task Streamed_tool_uses_become_indexed_deltas_whose_fragments_assemble_the_arguments()
    {
        _upstream.ReplyToolUse(
            "Checking.",
            new FakeAnthropicToolUse("toolu_01", "get_weather", """{"city":"Paris","unit":"c"}"""),
            new FakeAnthropicToolUse("toolu_02", "get_weather", """{"city":"Rome"}"""));

        var updates = await _harness.StreamAsync(WithTools).ToListAsync();

        Assert.Equal("Checking.", string.Concat(updates.Select(u => u.ContentDelta)));
        var deltas = updates.Where(u => u.ToolCallDeltas is not null).SelectMany(u => u.ToolCallDeltas!).ToList();
        Assert.Equal(
            [new ToolCallDelta(0, "toolu_01", "get_weather", string.Empty), new ToolCallDelta(1, "toolu_02", "get_weather", string.Empty)],
            deltas.Where(d => d.Id is not null));
        Assert.All(deltas.Where(d => d.Id is null), d => Assert.Null(d.Name));
        Assert.All(deltas.Where(d => d.Id is null), d => Assert.NotEqual(string.Empty, d.ArgumentsDelta));
        Assert.True(deltas.Count(d => d.Index == 0) > 2, "the first call's arguments arrive in several fragments");
        Assert.Equal("""{"city":"Paris","unit":"c"}""", string.Concat(deltas.Where(d => d.Index == 0).Select(d => d.ArgumentsDelta)));
        Assert.Equal("""{"city":"Rome"}""", string.Concat(deltas.Where(d => d.Index == 1).Select(d => d.ArgumentsDelta)));
        Assert.Equal("tool_calls", Assert.Single(updates, u => u.FinishReason is not null).FinishReason);
        Assert.True(
            updates.FindIndex(u => u.ContentDelta == "Checking.") < updates.FindIndex(u => u.ToolCallDeltas is not null),
            "the text that came first is relayed first");
        Assert.NotNull(updates[^1].Usage);
    }

    [Fact]
    public async Task Documented_tool_stream_is_read_with_calls_indexed_in_order_not_by_anthropics_block_index()
    {
        // Anthropic's documented shape: a text block at index 0, tool_use blocks after it, an empty first fragment.
        await using var harness = Stubbed(
            Event("message_start", """{"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}""") +
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""") +
            Event("ping", """{"type": "ping"}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let's check the weather"}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":0}""") +
            Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\":"}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \"San"}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" Francisc"}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"o,"}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" CA\""}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":", \"unit\": \"fah"}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"renheit\"}"}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":1}""") +
            Event("content_block_start", """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":2}""") +
            Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}""") +
            Event("message_stop", """{"type":"message_stop"}"""),
            "text/event-stream");

        var updates = await harness.StreamAsync(WithTools).ToListAsync();

        var calls = Assemble(updates);
        Assert.Equal(
            [
                new ToolCall("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", """{"location": "San Francisco, CA", "unit": "fahrenheit"}"""),
                new ToolCall("toolu_02", "get_time", "{}"),
            ],
            calls);
        Assert.Equal("Okay, let's check the weather", string.Concat(updates.Select(u => u.ContentDelta)));
        Assert.Equal("tool_calls", updates.Single(u => u.FinishReason is not null).FinishReason);
        Assert.Equal(new TokenUsage(472, 89, 0), updates[^1].Usage);
        Assert.All(updates, u => Assert.Equal("msg_014p7gG3wDgGV9EUtLvnow3U", u.Id));
    }

    [Fact]
    public async Task Streamed_answer_tool_input_is_streamed_as_content_and_finishes_as_stop()
    {
        _upstream.ReplyToolUse(null, new FakeAnthropicToolUse("toolu_9", "json_response", """{"city":"Paris","temp":18}"""));

        var updates = await _harness.StreamAsync(AsksForJson).ToListAsync();

        Assert.Equal("""{"city":"Paris","temp":18}""", string.Concat(updates.Select(u => u.ContentDelta)));
        Assert.True(updates.Count(u => !string.IsNullOrEmpty(u.ContentDelta)) > 1, "the answer is relayed as it arrives");
        Assert.All(updates, u => Assert.Null(u.ToolCallDeltas));
        Assert.Equal("stop", updates.Single(u => u.FinishReason is not null).FinishReason);
    }

    [Fact]
    public async Task Streamed_tool_use_with_the_whole_input_in_its_start_relays_that_input()
    {
        await using var harness = Stubbed(
            Event("message_start", """{"type":"message_start","message":{"id":"msg_7","model":"m","usage":{"input_tokens":4,"output_tokens":1}}}""") +
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_7","name":"get_weather","input":{"city":"Oslo"}}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":0}""") +
            Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}""") +
            Event("message_stop", """{"type":"message_stop"}"""),
            "text/event-stream");

        var updates = await harness.StreamAsync(WithTools).ToListAsync();

        Assert.Equal([new ToolCall("toolu_7", "get_weather", """{"city":"Oslo"}""")], Assemble(updates));
    }

    [Fact]
    public async Task Streamed_tool_use_without_an_id_fails_as_a_malformed_event()
    {
        await using var harness = Stubbed(
            Event("message_start", """{"type":"message_start","message":{"id":"msg_8","model":"m","usage":{"input_tokens":4,"output_tokens":1}}}""") +
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","name":"get_weather","input":{}}}"""),
            "text/event-stream");

        var error = await Assert.ThrowsAsync<UpstreamException>(async () => await harness.StreamAsync(WithTools).ToListAsync());

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The anthropic provider sent a malformed stream event.", error.Message);
    }

    /// <summary>What an OpenAI client builds from the deltas: per index, the id and name of the first piece and the fragments joined.</summary>
    private static List<ToolCall> Assemble(IEnumerable<ChatCompletionUpdate> updates) =>
        updates
            .Where(u => u.ToolCallDeltas is not null)
            .SelectMany(u => u.ToolCallDeltas!)
            .GroupBy(d => d.Index)
            .OrderBy(g => g.Key)
            .Select(g => new ToolCall(g.First().Id!, g.First().Name!, string.Concat(g.Select(d => d.ArgumentsDelta))))
            .ToList();

    private static string Event(string type, string data) => $"event: {type}\ndata: {data}\n\n";

    private static AnthropicAdapterHarness Stubbed(string body, string contentType) =>
        AnthropicAdapterHarness.Create(
            "https://api.anthropic.test",
            handler: new StubHttpMessageHandler(_ =>
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8) };
                response.Content.Headers.ContentType = new(contentType);
                return response;
            }));
}
