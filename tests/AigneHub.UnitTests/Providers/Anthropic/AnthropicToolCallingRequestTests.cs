using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Anthropic;

/// <summary>
/// How tools, tool_choice, parallel_tool_calls, earlier tool calls and their results, and JSON response formats reach
/// Anthropic: the exact request body the fake upstream received.
/// </summary>
public sealed class AnthropicToolCallingRequestTests : IAsyncLifetime
{
    private const string WeatherSchema =
        """{"type":"object","properties":{"city":{"type":"string","description":"City name"},"unit":{"type":"string","enum":["c","f"]}},"required":["city"],"additionalProperties":false}""";

    // The request up to the end of its messages; tools and tool_choice follow.
    private const string Prefix = """{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]}]""";

    private const string TimeTool = ""","tools":[{"name":"get_time","input_schema":{"type":"object","properties":{}}}]""";

    private static readonly ToolDefinition Weather = new("get_weather", "Current weather for a city", WeatherSchema, Strict: true);

    private static readonly ToolDefinition Time = new("get_time", null, null);

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
    public async Task Tools_become_declarations_with_an_input_schema_and_strict_is_not_sent()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Weather, Time] }));

        const string expected = Prefix +
            ""","tools":[{"name":"get_weather","description":"Current weather for a city","input_schema":""" + WeatherSchema + "}," +
            """{"name":"get_time","input_schema":{"type":"object","properties":{}}}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Parameters_without_a_type_are_declared_as_an_object()
    {
        var tool = new ToolDefinition("lookup", "Look a word up", """{"properties":{"word":{"type":"string"}},"required":["word"]}""");

        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [tool] }));

        const string expected = Prefix +
            ""","tools":[{"name":"lookup","description":"Look a word up","input_schema":{"type":"object","properties":{"word":{"type":"string"}},"required":["word"]}}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Theory]
    [InlineData(ToolChoiceMode.Auto, null, """{"type":"auto"}""")]
    [InlineData(ToolChoiceMode.None, null, """{"type":"none"}""")]
    [InlineData(ToolChoiceMode.Required, null, """{"type":"any"}""")]
    [InlineData(ToolChoiceMode.Function, "get_time", """{"type":"tool","name":"get_time"}""")]
    public async Task Tool_choice_becomes_anthropics_tool_choice(ToolChoiceMode mode, string? function, string expectedChoice)
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Time], ToolChoice = new ToolChoice(mode, function) }));

        Assert.Equal(Prefix + TimeTool + ""","tool_choice":""" + expectedChoice + "}", _upstream.LastRequest.Body);
    }

    [Theory]
    [InlineData(null, """{"type":"auto","disable_parallel_tool_use":true}""")]
    [InlineData(ToolChoiceMode.Auto, """{"type":"auto","disable_parallel_tool_use":true}""")]
    [InlineData(ToolChoiceMode.Required, """{"type":"any","disable_parallel_tool_use":true}""")]
    [InlineData(ToolChoiceMode.Function, """{"type":"tool","name":"get_time","disable_parallel_tool_use":true}""")]
    [InlineData(ToolChoiceMode.None, """{"type":"none"}""")]
    public async Task Parallel_tool_calls_false_disables_parallel_tool_use_except_where_no_tool_may_be_called(ToolChoiceMode? mode, string expectedChoice)
    {
        var choice = mode is { } m ? new ToolChoice(m, m == ToolChoiceMode.Function ? "get_time" : null) : null;

        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Time], ToolChoice = choice, ParallelToolCalls = false }));

        Assert.Equal(Prefix + TimeTool + ""","tool_choice":""" + expectedChoice + "}", _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Parallel_tool_calls_true_and_no_tool_choice_leave_anthropics_default()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Time], ParallelToolCalls = true }));

        Assert.Equal(Prefix + TimeTool + "}", _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Tool_settings_without_tools_send_nothing()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { ToolChoice = ToolChoice.None, ParallelToolCalls = false }));

        Assert.Equal("""{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]}]}""", _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Tool_round_trip_sends_tool_use_blocks_and_merges_the_results_into_one_user_turn()
    {
        var request = new ProviderChatRequest(
            "claude-sonnet-4-5",
            [
                new ChatMessage(ChatRole.User, "Weather in Paris and Rome?"),
                new ChatMessage(
                    ChatRole.Assistant,
                    "Checking both.",
                    toolCalls:
                    [
                        new ToolCall("toolu_01A", "get_weather", """{"city": "Paris", "unit": "c"}"""),
                        new ToolCall("toolu_01B", "get_weather", """{"city":"Rome"}"""),
                    ]),
                new ChatMessage(ChatRole.Tool, """{"temp":18}""", toolCallId: "toolu_01A"),
                new ChatMessage(ChatRole.Tool, null, [new TextPart("22 C, sunny")], toolCallId: "toolu_01B"),
                new ChatMessage(ChatRole.Assistant, null, toolCalls: [new ToolCall("toolu_01C", "get_time", string.Empty)]),
                new ChatMessage(ChatRole.Tool, "12:00", toolCallId: "toolu_01C"),
            ],
            new ChatSettings { Tools = [Weather, Time] });

        await _harness.CompleteAsync(request);

        const string expected =
            """{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[""" +
            """{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},""" +
            """{"role":"assistant","content":[{"type":"text","text":"Checking both."},""" +
            """{"type":"tool_use","id":"toolu_01A","name":"get_weather","input":{"city":"Paris","unit":"c"}},""" +
            """{"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{"city":"Rome"}}]},""" +
            """{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A","content":"{\"temp\":18}"},""" +
            """{"type":"tool_result","tool_use_id":"toolu_01B","content":[{"type":"text","text":"22 C, sunny"}]}]},""" +
            """{"role":"assistant","content":[{"type":"tool_use","id":"toolu_01C","name":"get_time","input":{}}]},""" +
            """{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01C","content":"12:00"}]}]""" +
            ""","tools":[{"name":"get_weather","description":"Current weather for a city","input_schema":""" + WeatherSchema + "}," +
            """{"name":"get_time","input_schema":{"type":"object","properties":{}}}]}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Theory]
    [InlineData("{\"city\": \"Par")]
    [InlineData("[\"Paris\"]")]
    [InlineData("\"Paris\"")]
    public async Task Tool_call_arguments_that_are_not_a_json_object_are_refused_before_any_call(string arguments)
    {
        var request = new ProviderChatRequest(
            "claude-sonnet-4-5",
            [
                new ChatMessage(ChatRole.User, "Weather?"),
                new ChatMessage(ChatRole.Assistant, null, toolCalls: [new ToolCall("toolu_01", "get_weather", arguments)]),
                new ChatMessage(ChatRole.Tool, "18 C", toolCallId: "toolu_01"),
            ],
            new ChatSettings { Tools = [Weather] });

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync(request));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.StartsWith("The anthropic provider cannot take this request: The arguments of the call to 'get_weather'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(arguments, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Theory]
    [InlineData("""{"type":"array","items":{"type":"string"}}""", "must describe an object")]
    [InlineData("""["not","a","schema"]""", "is not a JSON Schema object")]
    [InlineData("""{"type":"object",""", "is not valid JSON")]
    public async Task Parameters_that_cannot_describe_a_tool_input_are_refused_before_any_call(string schema, string reason)
    {
        var request = Ask(new ChatSettings { Tools = [new ToolDefinition("list", null, schema)] });

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync(request));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Contains("The parameters of the function 'list' " + reason, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Fact]
    public async Task Json_object_format_is_asked_for_as_one_forced_call_to_an_answer_tool()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { ResponseFormat = ResponseFormat.JsonObject }));

        const string expected = Prefix +
            ""","tools":[{"name":"json_response","description":"Give your final answer to the user by calling this tool: its input is the answer, as a JSON object.","input_schema":{"type":"object"}}]""" +
            ""","tool_choice":{"type":"tool","name":"json_response","disable_parallel_tool_use":true}}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Json_schema_format_gives_the_answer_tool_the_schema_its_name_and_description()
    {
        var format = new ResponseFormat(ResponseFormatKind.JsonSchema, "weather_report", WeatherSchema, Strict: true, Description: "A short report.");

        await _harness.CompleteAsync(Ask(new ChatSettings { ResponseFormat = format }));

        const string expected = Prefix +
            ""","tools":[{"name":"json_response","description":"Give your final answer to the user by calling this tool: its input is the answer, a JSON object following the schema 'weather_report'. A short report.","input_schema":""" + WeatherSchema + "}]" +
            ""","tool_choice":{"type":"tool","name":"json_response","disable_parallel_tool_use":true}}""";
        Assert.Equal(expected, _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Json_format_beside_the_callers_tools_makes_the_model_call_one_of_them_or_answer()
    {
        var settings = new ChatSettings { Tools = [Time], ResponseFormat = ResponseFormat.JsonObject, ParallelToolCalls = false };

        await _harness.CompleteAsync(Ask(settings));

        using var body = _upstream.LastRequest.Json();
        var root = body.RootElement;
        Assert.Equal(["get_time", "json_response"], root.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal("""{"type":"any","disable_parallel_tool_use":true}""", root.GetProperty("tool_choice").GetRawText());
    }

    [Fact]
    public async Task Json_format_with_tool_choice_none_forces_the_answer_tool_and_keeps_the_callers_tools_declared()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { Tools = [Time], ToolChoice = ToolChoice.None, ResponseFormat = ResponseFormat.JsonObject }));

        using var body = _upstream.LastRequest.Json();
        var root = body.RootElement;
        Assert.Equal(["get_time", "json_response"], root.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.Equal("""{"type":"tool","name":"json_response","disable_parallel_tool_use":true}""", root.GetProperty("tool_choice").GetRawText());
    }

    [Theory]
    [InlineData(ToolChoiceMode.Required, """{"type":"any"}""")]
    [InlineData(ToolChoiceMode.Function, """{"type":"tool","name":"get_time"}""")]
    public async Task Json_format_adds_no_answer_tool_when_a_tool_call_is_demanded(ToolChoiceMode mode, string expectedChoice)
    {
        var settings = new ChatSettings
        {
            Tools = [Time],
            ToolChoice = new ToolChoice(mode, mode == ToolChoiceMode.Function ? "get_time" : null),
            ResponseFormat = ResponseFormat.JsonObject,
        };

        await _harness.CompleteAsync(Ask(settings));

        Assert.Equal(Prefix + TimeTool + ""","tool_choice":""" + expectedChoice + "}", _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Answer_tool_takes_another_name_when_a_callers_tool_has_its_name()
    {
        var settings = new ChatSettings
        {
            Tools = [new ToolDefinition("json_response", null, null), new ToolDefinition("json_response_2", null, null)],
            ResponseFormat = ResponseFormat.JsonObject,
        };

        await _harness.CompleteAsync(Ask(settings));

        using var body = _upstream.LastRequest.Json();
        Assert.Equal(
            ["json_response", "json_response_2", "json_response_3"],
            body.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Json_schema_that_is_not_an_object_is_refused_before_any_call()
    {
        var format = new ResponseFormat(ResponseFormatKind.JsonSchema, "names", """{"type":"array","items":{"type":"string"}}""");

        var error = await Assert.ThrowsAsync<UpstreamException>(() => _harness.CompleteAsync(Ask(new ChatSettings { ResponseFormat = format })));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Contains("response_format.json_schema.schema must describe an object", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.RequestCount);
    }

    [Fact]
    public async Task Text_format_changes_nothing()
    {
        await _harness.CompleteAsync(Ask(new ChatSettings { ResponseFormat = ResponseFormat.Text }));

        Assert.Equal("""{"model":"claude-sonnet-4-5","max_tokens":4096,"messages":[{"role":"user","content":[{"type":"text","text":"Weather in Paris?"}]}]}""", _upstream.LastRequest.Body);
    }

    [Fact]
    public async Task Streamed_request_carries_the_same_tools()
    {
        await _harness.StreamAsync(Ask(new ChatSettings { Tools = [Time], ToolChoice = ToolChoice.Required })).ToListAsync();

        Assert.Equal(Prefix + TimeTool + ""","tool_choice":{"type":"any"},"stream":true}""", _upstream.LastRequest.Body);
    }

    private static ProviderChatRequest Ask(ChatSettings settings) =>
        new("claude-sonnet-4-5", [new ChatMessage(ChatRole.User, "Weather in Paris?")], settings);
}
