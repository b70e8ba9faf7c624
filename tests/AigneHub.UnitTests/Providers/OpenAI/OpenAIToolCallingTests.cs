using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Chat;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.OpenAI;

/// <summary>Tool calling and response formats on the OpenAI protocol: what goes on the wire and what comes back.</summary>
public sealed class OpenAIToolCallingTests : IAsyncLifetime
{
    private const string WeatherSchema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";

    private FakeOpenAIUpstream _upstream = null!;
    private OpenAIAdapterHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAIUpstream.StartAsync();
        _harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Tools_tool_choice_and_a_replayed_tool_round_trip_are_written_as_OpenAI_expects()
    {
        var request = new ProviderChatRequest(
            "gpt-4o-mini",
            [
                new ChatMessage(ChatRole.User, "Weather in Paris?"),
                new ChatMessage(ChatRole.Assistant, null, toolCalls: [new ToolCall("call_abc", "get_weather", """{"city":"Paris"}""")]),
                new ChatMessage(ChatRole.Tool, """{"celsius":21}""", toolCallId: "call_abc"),
            ],
            new ChatSettings
            {
                Tools = [new ToolDefinition("get_weather", "Current weather", WeatherSchema, Strict: true)],
                ToolChoice = ToolChoice.Function("get_weather"),
                ParallelToolCalls = false,
            });

        await _harness.CompleteAsync(request, CancellationToken.None);

        const string expected =
            """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","content":"{\"celsius\":21}","tool_call_id":"call_abc"}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}}],"tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Theory]
    [InlineData(ToolChoiceMode.Auto, "\"tool_choice\":\"auto\"")]
    [InlineData(ToolChoiceMode.None, "\"tool_choice\":\"none\"")]
    [InlineData(ToolChoiceMode.Required, "\"tool_choice\":\"required\"")]
    public async Task Tool_choice_modes_are_written_as_strings(ToolChoiceMode mode, string expected)
    {
        var request = Requests.Hello() with
        {
            Settings = new ChatSettings { Tools = [new ToolDefinition("f", null, null)], ToolChoice = new ToolChoice(mode) },
        };

        await _harness.CompleteAsync(request, CancellationToken.None);

        Assert.Contains(expected, _upstream.LastRequest.Body, StringComparison.Ordinal);
        Assert.Contains("""{"type":"function","function":{"name":"f"}}""", _upstream.LastRequest.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_mode_and_json_schema_are_written_as_response_format()
    {
        await _harness.CompleteAsync(Requests.Hello() with { Settings = new ChatSettings { ResponseFormat = ResponseFormat.JsonObject } }, CancellationToken.None);
        Assert.Contains("\"response_format\":{\"type\":\"json_object\"}", _upstream.LastRequest.Body, StringComparison.Ordinal);

        var schema = new ResponseFormat(ResponseFormatKind.JsonSchema, "weather", WeatherSchema, Strict: true);
        await _harness.CompleteAsync(Requests.Hello() with { Settings = new ChatSettings { ResponseFormat = schema } }, CancellationToken.None);
        Assert.Contains(
            "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"weather\",\"schema\":" + WeatherSchema + ",\"strict\":true}}",
            _upstream.LastRequest.Body,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_unary_answer_with_tool_calls_comes_back_as_tool_calls()
    {
        // The shape of OpenAI's documented function-calling answer: content null, two parallel calls.
        _upstream.RespondRaw(200, "application/json", """
            {"id":"chatcmpl-tool1","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
               {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
               {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}],
               "refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99,"prompt_tokens_details":{"cached_tokens":64}}}
            """);

        var completion = await _harness.CompleteAsync(Requests.Hello(), CancellationToken.None);

        Assert.Null(completion.Content);
        Assert.Equal("tool_calls", completion.FinishReason);
        Assert.Equal(
            [new ToolCall("call_1", "get_weather", """{"city":"Paris"}"""), new ToolCall("call_2", "get_weather", """{"city":"Rome"}""")],
            completion.ToolCalls);
        Assert.Equal(64, completion.Usage.CachedPromptTokens);
    }

    [Fact]
    public async Task Streamed_tool_call_deltas_are_relayed_in_order_and_assemble_to_the_arguments()
    {
        _upstream.RespondRaw(200, "text/event-stream", string.Concat(
            Chunk("""{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}"""),
            Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}"""),
            Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Paris\"}"}}]}"""),
            Chunk("""{"tool_calls":[{"index":1,"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]}"""),
            "data: {\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: [DONE]\n\n"));

        var updates = new List<ChatCompletionUpdate>();
        await foreach (var update in _harness.StreamAsync(Requests.Hello(), CancellationToken.None))
        {
            updates.Add(update);
        }

        var deltas = updates.Where(u => u.ToolCallDeltas is not null).SelectMany(u => u.ToolCallDeltas!).ToList();
        Assert.Equal(new ToolCallDelta(0, "call_1", "get_weather", string.Empty), deltas[0]);
        Assert.Equal(new ToolCallDelta(1, "call_2", "get_time", "{}"), deltas[^1]);
        Assert.Equal("""{"city":"Paris"}""", string.Concat(deltas.Where(d => d.Index == 0).Select(d => d.ArgumentsDelta)));
        Assert.Equal("tool_calls", updates[^1].FinishReason);
    }

    private static string Chunk(string delta) =>
        "data: {\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":null}]}\n\n";
}
