using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Chat;

/// <summary>
/// An OpenAI-shaped call with tools, through the whole hub, reaches a registered Anthropic provider as tool
/// declarations, tool_use and tool_result blocks, and Anthropic's tool_use answers come back as OpenAI tool_calls,
/// unary and streamed.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class ToolCallingAnthropicTests(HubFixture hub) : IAsyncLifetime
{
    private const string Model = "anthropic/claude-sonnet-4-5";

    private static readonly object[] Tools =
    [
        new
        {
            type = "function",
            function = new
            {
                name = "get_weather",
                description = "Current weather for a city",
                parameters = new { type = "object", properties = new { city = new { type = "string" } }, required = new[] { "city" } },
            },
        },
    ];

    private static readonly object Question = new { role = "user", content = "Weather in Paris and Rome?" };

    private FakeAnthropicUpstream _anthropic = null!;

    public async Task InitializeAsync()
    {
        _anthropic = await FakeAnthropicUpstream.StartAsync();
        await AnthropicProviderSetup.PointAtAsync(hub, _anthropic, Model);
    }

    public async Task DisposeAsync() => await _anthropic.DisposeAsync();

    [Fact]
    public async Task Tool_use_answer_comes_back_as_openai_tool_calls()
    {
        _anthropic.ReplyToolUse("Let me check.", new FakeAnthropicToolUse("toolu_01A", "get_weather", """{"city":"Paris"}"""));

        var answer = await ChatAsync(new { model = Model, messages = new[] { Question }, tools = Tools, tool_choice = "required", parallel_tool_calls = false });

        var choice = answer.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal("Let me check.", message.GetProperty("content").GetString());
        var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("toolu_01A", call.GetProperty("id").GetString());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("function").GetProperty("arguments").GetString());

        using var sent = _anthropic.LastRequest.Json();
        var tool = Assert.Single(sent.RootElement.GetProperty("tools").EnumerateArray());
        Assert.Equal("get_weather", tool.GetProperty("name").GetString());
        Assert.Equal("string", tool.GetProperty("input_schema").GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        Assert.Equal("""{"type":"any","disable_parallel_tool_use":true}""", sent.RootElement.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public async Task Tool_results_reach_anthropic_as_tool_use_and_tool_result_blocks()
    {
        _anthropic.Reply("Paris is 18 C, Rome 22 C.");
        object[] messages =
        [
            Question,
            new
            {
                role = "assistant",
                content = (string?)null,
                tool_calls = new object[]
                {
                    new { id = "toolu_01A", type = "function", function = new { name = "get_weather", arguments = """{"city":"Paris"}""" } },
                    new { id = "toolu_01B", type = "function", function = new { name = "get_weather", arguments = """{"city":"Rome"}""" } },
                },
            },
            new { role = "tool", tool_call_id = "toolu_01A", content = "18 C" },
            new { role = "tool", tool_call_id = "toolu_01B", content = "22 C" },
        ];

        var answer = await ChatAsync(new { model = Model, messages, tools = Tools });

        Assert.Equal("Paris is 18 C, Rome 22 C.", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        using var sent = _anthropic.LastRequest.Json();
        var turns = sent.RootElement.GetProperty("messages");
        Assert.Equal(3, turns.GetArrayLength());
        Assert.Equal(
            """{"role":"assistant","content":[{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris"}},{"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{"city":"Rome"}}]}""",
            turns[1].GetRawText());
        Assert.Equal(
            """{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A","content":"18 C"},{"type":"tool_result","tool_use_id":"toolu_01B","content":"22 C"}]}""",
            turns[2].GetRawText());
    }

    [Fact]
    public async Task Streamed_tool_use_comes_back_as_openai_tool_call_chunks_that_assemble_in_order()
    {
        _anthropic.ReplyToolUse(
            null,
            new FakeAnthropicToolUse("toolu_01A", "get_weather", """{"city":"Paris"}"""),
            new FakeAnthropicToolUse("toolu_01B", "get_weather", """{"city":"Rome"}"""));

        using var response = await hub.PostChatAsync(new { model = Model, messages = new[] { Question }, tools = Tools, stream = true });
        var raw = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, raw);
        Assert.EndsWith("data: [DONE]\n\n", raw, StringComparison.Ordinal);
        var chunks = raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e != "data: [DONE]")
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0])
            .ToList();
        var pieces = chunks
            .Where(c => c.GetProperty("delta").TryGetProperty("tool_calls", out _))
            .SelectMany(c => c.GetProperty("delta").GetProperty("tool_calls").EnumerateArray())
            .ToList();
        var calls = pieces
            .GroupBy(p => p.GetProperty("index").GetInt32())
            .OrderBy(g => g.Key)
            .Select(g => (
                Index: g.Key,
                Id: g.First().GetProperty("id").GetString(),
                Name: g.First().GetProperty("function").GetProperty("name").GetString(),
                Arguments: string.Concat(g.Select(p => p.GetProperty("function").TryGetProperty("arguments", out var a) ? a.GetString() : null))))
            .ToList();
        Assert.Equal(
            [(0, "toolu_01A", "get_weather", """{"city":"Paris"}"""), (1, "toolu_01B", "get_weather", """{"city":"Rome"}""")],
            calls);
        Assert.True(pieces.Count > calls.Count, "the arguments arrive in fragments after each call's first chunk");
        Assert.Equal("tool_calls", Assert.Single(chunks, c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String).GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Streamed_tool_call_only_answer_starts_with_content_null_as_openai_and_the_unary_answer_do()
    {
        _anthropic.ReplyToolUse(null, new FakeAnthropicToolUse("toolu_01A", "get_weather", """{"city":"Paris"}"""));
        var unary = await ChatAsync(new { model = Model, messages = new[] { Question }, tools = Tools });
        Assert.Equal(JsonValueKind.Null, unary.GetProperty("choices")[0].GetProperty("message").GetProperty("content").ValueKind);

        _anthropic.ReplyToolUse(null, new FakeAnthropicToolUse("toolu_01A", "get_weather", """{"city":"Paris"}"""));
        using var response = await hub.PostChatAsync(new { model = Model, messages = new[] { Question }, tools = Tools, stream = true });
        var raw = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, raw);
        var first = JsonDocument.Parse(raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[0]["data: ".Length..]).RootElement;
        var delta = first.GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", delta.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, delta.GetProperty("content").ValueKind);
        Assert.False(
            raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Any(e => e.Contains("\"content\":\"", StringComparison.Ordinal)),
            "no chunk of a tool-call-only answer carries text content:\n" + raw);
    }

    [Fact]
    public async Task Json_schema_answer_comes_back_as_content_not_as_a_tool_call()
    {
        _anthropic.ReplyToolUse(null, new FakeAnthropicToolUse("toolu_01J", "json_response", """{"city":"Paris","celsius":18}"""));
        var responseFormat = new
        {
            type = "json_schema",
            json_schema = new
            {
                name = "weather",
                schema = new { type = "object", properties = new { city = new { type = "string" }, celsius = new { type = "number" } } },
            },
        };

        var answer = await ChatAsync(new { model = Model, messages = new[] { Question }, response_format = responseFormat });

        var choice = answer.GetProperty("choices")[0];
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal("""{"city":"Paris","celsius":18}""", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out var calls) && calls.GetArrayLength() > 0);
        using var sent = _anthropic.LastRequest.Json();
        Assert.Equal("""{"type":"tool","name":"json_response","disable_parallel_tool_use":true}""", sent.RootElement.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public async Task Tool_call_arguments_that_are_not_json_are_refused_with_a_400_in_openais_envelope()
    {
        object[] messages =
        [
            Question,
            new { role = "assistant", tool_calls = new object[] { new { id = "toolu_01A", type = "function", function = new { name = "get_weather", arguments = "{\"city\": \"Par" } } } },
            new { role = "tool", tool_call_id = "toolu_01A", content = "18 C" },
        ];
        var before = _anthropic.RequestCount;

        using var response = await hub.PostChatAsync(new { model = Model, messages, tools = Tools });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("The arguments of the call to 'get_weather'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, _anthropic.RequestCount);
    }

    private async Task<JsonElement> ChatAsync(object request)
    {
        using var response = await hub.PostChatAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
