using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Google;

/// <summary>Tools, tool_choice, tool-call round trips and JSON mode on Gemini's wire, and its function calls coming back.</summary>
public sealed partial class GeminiToolCallingTests : IAsyncLifetime
{
    private const string WeatherSchema =
        """{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"],"additionalProperties":false}""";

    private static readonly ToolDefinition Weather = new("get_weather", "Current weather of a city", WeatherSchema, Strict: true);

    private static readonly ToolDefinition Clock = new("get_time", null, null);

    private FakeGeminiUpstream _upstream = null!;
    private GeminiHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeGeminiUpstream.StartAsync();
        _harness = GeminiHarness.Create(_upstream.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Tools_become_function_declarations_with_their_json_schema_minus_the_dialect_keyword()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather, Clock], ParallelToolCalls = false }));

        AssertJson(
            """
            {
              "contents": [ { "role": "user", "parts": [ { "text": "Weather in Paris?" } ] } ],
              "tools": [
                {
                  "functionDeclarations": [
                    {
                      "name": "get_weather",
                      "description": "Current weather of a city",
                      "parametersJsonSchema": {
                        "type": "object",
                        "properties": { "city": { "type": "string" }, "unit": { "type": "string", "enum": [ "c", "f" ] } },
                        "required": [ "city" ],
                        "additionalProperties": false
                      }
                    },
                    { "name": "get_time" }
                  ]
                }
              ]
            }
            """,
            _upstream.LastRequest.Body);
    }

    [Theory]
    [InlineData("auto", """{ "mode": "AUTO" }""")]
    [InlineData("none", """{ "mode": "NONE" }""")]
    [InlineData("required", """{ "mode": "ANY" }""")]
    [InlineData("function", """{ "mode": "ANY", "allowedFunctionNames": [ "get_time" ] }""")]
    public async Task Tool_choice_becomes_the_function_calling_mode(string mode, string expected)
    {
        var choice = mode switch
        {
            "auto" => ToolChoice.Auto,
            "none" => ToolChoice.None,
            "required" => ToolChoice.Required,
            _ => ToolChoice.Function("get_time"),
        };

        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather, Clock], ToolChoice = choice }));

        var body = JsonNode.Parse(_upstream.LastRequest.Body)!;
        AssertJson(expected, body["toolConfig"]!["functionCallingConfig"]!.ToJsonString());
        Assert.Equal(2, body["tools"]![0]!["functionDeclarations"]!.AsArray().Count);
    }

    [Fact]
    public async Task Without_tool_choice_no_tool_config_is_sent()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Clock] }));

        Assert.Null(JsonNode.Parse(_upstream.LastRequest.Body)!["toolConfig"]);
    }

    [Fact]
    public async Task Tool_round_trip_becomes_function_calls_of_the_model_and_function_responses_named_after_them()
    {
        var request = new ProviderChatRequest(
            GeminiHarness.Model,
            [
                new ChatMessage(ChatRole.User, "Weather in Paris and the time?"),
                new ChatMessage(ChatRole.Assistant, "Let me check.", toolCalls:
                [
                    new ToolCall("call_a", "get_weather", """{"city":"Paris","unit":"c"}"""),
                    new ToolCall("call_b", "get_time", string.Empty),
                ]),
                new ChatMessage(ChatRole.Tool, """{"temperature":21,"sky":"clear"}""", toolCallId: "call_a"),
                new ChatMessage(ChatRole.Tool, null, [new TextPart("14:05")], toolCallId: "call_b"),
            ],
            new ChatSettings { Tools = [Weather, Clock] });

        await _harness.CompleteAsync(request);

        var body = JsonNode.Parse(_upstream.LastRequest.Body)!;
        AssertJson(
            """
            [
              { "role": "user", "parts": [ { "text": "Weather in Paris and the time?" } ] },
              {
                "role": "model",
                "parts": [
                  { "text": "Let me check." },
                  { "functionCall": { "name": "get_weather", "args": { "city": "Paris", "unit": "c" } } },
                  { "functionCall": { "name": "get_time", "args": {} } }
                ]
              },
              {
                "role": "user",
                "parts": [
                  { "functionResponse": { "name": "get_weather", "response": { "temperature": 21, "sky": "clear" } } },
                  { "functionResponse": { "name": "get_time", "response": { "output": "14:05" } } }
                ]
              }
            ]
            """,
            body["contents"]!.ToJsonString());
    }

    [Fact]
    public async Task Assistant_message_with_only_tool_calls_is_a_model_turn_of_function_calls()
    {
        await _harness.CompleteAsync(Conversation(
            new ChatMessage(ChatRole.User, "Time?"),
            new ChatMessage(ChatRole.Assistant, string.Empty, toolCalls: [new ToolCall("call_1", "get_time", "{}")]),
            new ChatMessage(ChatRole.Tool, "[1, 2]", toolCallId: "call_1")));

        var contents = JsonNode.Parse(_upstream.LastRequest.Body)!["contents"]!;
        AssertJson("""{ "role": "model", "parts": [ { "functionCall": { "name": "get_time", "args": {} } } ] }""", contents[1]!.ToJsonString());
        AssertJson(
            """{ "role": "user", "parts": [ { "functionResponse": { "name": "get_time", "response": { "output": "[1, 2]" } } } ] }""",
            contents[2]!.ToJsonString());
    }

    [Theory]
    [InlineData("{\"city\": \"Par", "are not valid JSON")]
    [InlineData("[\"Paris\"]", "are not a JSON object")]
    public async Task Tool_call_arguments_that_are_not_a_json_object_are_refused_before_anything_is_sent(string arguments, string reason)
    {
        var request = Conversation(
            new ChatMessage(ChatRole.User, "Weather?"),
            new ChatMessage(ChatRole.Assistant, null, toolCalls: [new ToolCall("call_x", "get_weather", arguments)]),
            new ChatMessage(ChatRole.Tool, "sunny", toolCallId: "call_x"));

        var error = await _harness.FailureAsync(stream: false, request);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Contains("tool call 'call_x' (get_weather)", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Fact]
    public async Task Tool_result_that_answers_no_known_call_is_refused_because_gemini_needs_the_name()
    {
        var error = await _harness.FailureAsync(stream: true, Conversation(new ChatMessage(ChatRole.Tool, "sunny", toolCallId: "call_unknown")));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Contains("'call_unknown'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Fact]
    public async Task Json_object_format_asks_for_json_by_mime_type()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { ResponseFormat = ResponseFormat.JsonObject, Temperature = 0 }));

        AssertJson(
            """{ "temperature": 0, "responseMimeType": "application/json" }""",
            JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]!.ToJsonString());
    }

    [Fact]
    public async Task Json_schema_format_sends_the_schema_as_response_json_schema()
    {
        var format = new ResponseFormat(ResponseFormatKind.JsonSchema, "weather", WeatherSchema, Strict: true, Description: "A forecast");

        await _harness.CompleteAsync(Ask(new ChatSettings { ResponseFormat = format }));

        AssertJson(
            """
            {
              "responseMimeType": "application/json",
              "responseJsonSchema": {
                "type": "object",
                "properties": { "city": { "type": "string" }, "unit": { "type": "string", "enum": [ "c", "f" ] } },
                "required": [ "city" ],
                "additionalProperties": false
              }
            }
            """,
            JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]!.ToJsonString());
    }

    [Fact]
    public async Task Text_format_sends_no_json_mode()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { ResponseFormat = ResponseFormat.Text }));

        Assert.Null(JsonNode.Parse(_upstream.LastRequest.Body)!["generationConfig"]);
    }

    [Fact]
    public async Task Function_calls_of_a_unary_answer_become_tool_calls_with_hub_made_ids()
    {
        _upstream.RespondRaw(200, "application/json", """
            {
              "candidates": [ {
                "content": { "role": "model", "parts": [
                  { "text": "Checking both." },
                  { "functionCall": { "name": "get_weather", "args": { "city": "Paris", "days": [1, 2] } } },
                  { "functionCall": { "name": "get_time" } }
                ] },
                "finishReason": "STOP",
                "index": 0
              } ],
              "usageMetadata": { "promptTokenCount": 30, "candidatesTokenCount": 12, "totalTokenCount": 42 },
              "responseId": "resp-tools-1"
            }
            """);

        var completion = await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather, Clock] }));

        Assert.Equal("tool_calls", completion.FinishReason);
        Assert.Equal("Checking both.", completion.Content);
        Assert.NotNull(completion.ToolCalls);
        Assert.Equal(2, completion.ToolCalls.Count);
        Assert.Equal("get_weather", completion.ToolCalls[0].Name);
        AssertJson("""{ "city": "Paris", "days": [1, 2] }""", completion.ToolCalls[0].Arguments);
        Assert.Equal("get_time", completion.ToolCalls[1].Name);
        Assert.Equal("{}", completion.ToolCalls[1].Arguments);
        Assert.All(completion.ToolCalls, c => Assert.Matches(GeneratedId(), c.Id));
        Assert.NotEqual(completion.ToolCalls[0].Id, completion.ToolCalls[1].Id);
    }

    [Fact]
    public async Task Gemini_own_call_id_is_kept()
    {
        _upstream.RespondRaw(200, "application/json", """
            {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"id":"fc-7","name":"get_time","args":{}}}]},"finishReason":"STOP"}]}
            """);

        var completion = await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Clock] }));

        Assert.Equal("fc-7", Assert.Single(completion.ToolCalls!).Id);
        Assert.Null(completion.Content);
    }

    [Fact]
    public async Task Thought_signature_of_a_call_travels_in_its_id_and_goes_back_with_the_replayed_call()
    {
        _upstream.RespondRaw(200, "application/json", """
            {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_time","args":{}},"thoughtSignature":"CiQB0e2Kb+/sig=="}]},"finishReason":"STOP"}]}
            """);
        var first = await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Clock] }));
        var call = Assert.Single(first.ToolCalls!);

        await _harness.CompleteAsync(Conversation(
            new ChatMessage(ChatRole.User, "Time?"),
            new ChatMessage(ChatRole.Assistant, null, toolCalls: [call]),
            new ChatMessage(ChatRole.Tool, "14:05", toolCallId: call.Id)));

        var modelTurn = JsonNode.Parse(_upstream.LastRequest.Body)!["contents"]![1]!;
        AssertJson(
            """{ "role": "model", "parts": [ { "functionCall": { "name": "get_time", "args": {} }, "thoughtSignature": "CiQB0e2Kb+/sig==" } ] }""",
            modelTurn.ToJsonString());
    }

    [Fact]
    public async Task Answer_that_stopped_for_length_keeps_its_finish_reason_even_with_calls()
    {
        _upstream.RespondRaw(200, "application/json", """
            {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_time","args":{}}}]},"finishReason":"MAX_TOKENS"}]}
            """);

        var completion = await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Clock] }));

        Assert.Equal("length", completion.FinishReason);
    }

    [Fact]
    public async Task Answer_with_calls_and_no_finish_reason_reads_as_stopped_for_tool_calls()
    {
        _upstream.RespondRaw(200, "application/json", """
            {"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_time","args":{}}}]}}]}
            """);

        var completion = await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Clock] }));

        Assert.Equal("tool_calls", completion.FinishReason);
    }

    [Fact]
    public async Task Streamed_function_calls_become_one_whole_delta_each_numbered_across_the_answer()
    {
        _upstream.RespondRaw(200, "text/event-stream", Sse(
            """{"candidates":[{"content":{"role":"model","parts":[{"text":"Checking."}]},"index":0}],"responseId":"resp-s1"}""",
            """{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}},{"functionCall":{"name":"get_weather","args":{"city":"Rome"}}}]},"index":0}],"responseId":"resp-s1"}""",
            """{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"name":"get_time"}}]},"index":0}],"responseId":"resp-s1"}""",
            """{"candidates":[{"content":{"role":"model","parts":[{"text":""}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":20,"candidatesTokenCount":15},"responseId":"resp-s1"}"""));

        var updates = await _harness.StreamAsync(Ask(new ChatSettings { Tools = [Weather, Clock] })).ToListAsync();

        Assert.Equal("assistant", updates[0].Role);
        Assert.Equal("Checking.", updates[1].ContentDelta);
        var deltas = updates.SelectMany(u => u.ToolCallDeltas ?? []).ToList();
        Assert.Equal([0, 1, 2], deltas.Select(d => d.Index));
        Assert.Equal(["get_weather", "get_weather", "get_time"], deltas.Select(d => d.Name));
        Assert.All(deltas, d => Assert.Matches(GeneratedId(), d.Id));
        Assert.Equal(3, deltas.Select(d => d.Id).Distinct().Count());

        // Assembled as an OpenAI client does: fragments of one index, concatenated in order.
        var arguments = deltas.GroupBy(d => d.Index).Select(g => string.Concat(g.Select(d => d.ArgumentsDelta))).ToList();
        AssertJson("""{"city":"Paris"}""", arguments[0]);
        AssertJson("""{"city":"Rome"}""", arguments[1]);
        Assert.Equal("{}", arguments[2]);

        Assert.True(
            updates.FindIndex(u => u.ToolCallDeltas is not null) > updates.FindIndex(u => u.ContentDelta == "Checking."),
            "the text spoken before the calls comes first");
        var finish = Assert.Single(updates, u => u.FinishReason is not null);
        Assert.Equal("tool_calls", finish.FinishReason);
        Assert.True(updates.IndexOf(finish) > updates.FindLastIndex(u => u.ToolCallDeltas is not null));
        Assert.Equal(20, updates[^1].Usage?.PromptTokens);
    }

    [Fact]
    public async Task Streamed_answer_without_calls_still_finishes_with_stop()
    {
        _upstream.RespondRaw(200, "text/event-stream", Sse(
            """{"candidates":[{"content":{"role":"model","parts":[{"text":"Sunny."}]},"finishReason":"STOP","index":0}]}"""));

        var updates = await _harness.StreamAsync(Ask(new ChatSettings { Tools = [Weather] })).ToListAsync();

        Assert.All(updates, u => Assert.Null(u.ToolCallDeltas));
        Assert.Equal("stop", Assert.Single(updates, u => u.FinishReason is not null).FinishReason);
    }

    [Fact]
    public async Task Streamed_function_call_without_a_name_is_a_malformed_event()
    {
        _upstream.RespondRaw(200, "text/event-stream", Sse(
            """{"candidates":[{"content":{"role":"model","parts":[{"functionCall":{"args":{}}}]},"finishReason":"STOP","index":0}]}"""));

        var error = await Assert.ThrowsAsync<UpstreamException>(async () => await _harness.StreamAsync(Ask(ChatSettings.Default)).ToListAsync());

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The google provider sent a malformed stream event.", error.Message);
    }

    [GeneratedRegex("^call_[0-9a-f]{24}$")]
    private static partial Regex GeneratedId();

    private static string Sse(params string[] events) => string.Concat(events.Select(e => "data: " + e + "\r\n\r\n"));

    private static ProviderChatRequest Ask(ChatSettings settings) =>
        new(GeminiHarness.Model, [new ChatMessage(ChatRole.User, "Weather in Paris?")], settings);

    private static ProviderChatRequest Conversation(params ChatMessage[] messages) => new(GeminiHarness.Model, messages, ChatSettings.Default);

    private static void AssertJson(string expected, string actual)
    {
        var expectedNode = JsonNode.Parse(expected);
        var actualNode = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(expectedNode, actualNode), $"Expected {expectedNode?.ToJsonString()}\nActual   {actualNode?.ToJsonString()}");
    }
}
