using System.Buffers;
using System.Text;
using AigneHub.Api.Grpc;
using AigneHub.Api.Grpc.V1;
using AigneHub.Api.Rest.OpenAI;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;
using Google.Protobuf;
using ToolCall = AigneHub.Domain.Chat.ToolCall;

namespace AigneHub.UnitTests.Api;

/// <summary>OpenAI's tool-calling and response-format fields, in and out of the hub's contract.</summary>
public sealed class ChatToolMappingTests
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static CreateChatCompletionRequest Parse(string json) => Parser.Parse<CreateChatCompletionRequest>(json);

    [Fact]
    public void Tools_tool_choice_and_response_format_map_to_the_settings()
    {
        var request = Parse("""
            {"model":"m","messages":[{"role":"user","content":"x"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},
             "parallel_tool_calls":false,
             "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"},"strict":true}}}
            """);

        var settings = ChatCompletionMapping.ToCommand(request, "req").Settings;

        var tool = Assert.Single(settings.Tools!);
        Assert.Equal(("get_weather", "Weather", true), (tool.Name, tool.Description, tool.Strict));
        Assert.Equal("""{ "type": "object", "properties": { "city": { "type": "string" } } }""", tool.ParametersJson);
        Assert.Equal(ToolChoice.Function("get_weather"), settings.ToolChoice);
        Assert.False(settings.ParallelToolCalls);
        Assert.Equal((ResponseFormatKind.JsonSchema, "answer", true), (settings.ResponseFormat!.Kind, settings.ResponseFormat.SchemaName, settings.ResponseFormat.Strict));
        Assert.Equal("""{ "type": "object" }""", settings.ResponseFormat.SchemaJson);
    }

    [Theory]
    [InlineData("\"auto\"", ToolChoiceMode.Auto)]
    [InlineData("\"none\"", ToolChoiceMode.None)]
    [InlineData("\"required\"", ToolChoiceMode.Required)]
    public void Tool_choice_strings_map_to_modes(string json, ToolChoiceMode mode)
    {
        var request = Parse("""{"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":""" + json + "}");

        Assert.Equal(mode, ChatCompletionMapping.ToCommand(request, "req").Settings.ToolChoice!.Mode);
    }

    [Theory]
    [InlineData("""{"tool_choice":"always"}""", "tool_choice")]
    [InlineData("""{"tool_choice":{"type":"function"}}""", "tool_choice")]
    [InlineData("""{"tools":[{"type":"retrieval"}]}""", "tools[0].type")]
    [InlineData("""{"tools":[{"type":"function"}]}""", "tools[0].function")]
    [InlineData("""{"response_format":{"type":"yaml"}}""", "response_format.type")]
    public void Malformed_tool_fields_name_the_parameter(string extra, string field)
    {
        var json = """{"model":"m","messages":[{"role":"user","content":"x"}],""" + extra[1..];

        var error = Assert.Throws<RequestValidationException>(() => ChatCompletionMapping.ToCommand(Parse(json), "req"));

        Assert.Equal(field, Assert.Single(error.Violations).Field);
    }

    [Fact]
    public void Assistant_tool_calls_and_tool_results_map_to_the_conversation()
    {
        var request = Parse("""
            {"model":"m","messages":[
              {"role":"user","content":"Weather?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"21"}]}
            """);

        var messages = ChatCompletionMapping.ToCommand(request, "req").Messages;

        Assert.Equal([new ToolCall("call_1", "get_weather", """{"city":"Paris"}""")], messages[1].ToolCalls!);
        Assert.False(messages[1].HasContent);
        Assert.Equal(("call_1", "21"), (messages[2].ToolCallId, messages[2].Text));
    }

    [Fact]
    public void A_completion_with_tool_calls_is_answered_with_OpenAI_tool_calls_and_cached_tokens()
    {
        var completion = new ChatCompletion(
            "chatcmpl-1", DateTimeOffset.FromUnixTimeSeconds(1), "openai/gpt-4o", null, "tool_calls", new TokenUsage(10, 5, 4), null,
            [new ToolCall("call_1", "get_weather", """{"city":"Paris"}""")]);

        var json = JsonFormatter.Default.Format(ChatCompletionMapping.ToResponse(completion));

        Assert.Contains("""{ "id": "call_1", "type": "function", "function": { "name": "get_weather", "arguments": "{\"city\":\"Paris\"}" } }""", json, StringComparison.Ordinal);
        Assert.Contains("\"finish_reason\": \"tool_calls\"", json, StringComparison.Ordinal);
        Assert.Contains("\"cached_tokens\": 4", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Streamed_tool_call_deltas_are_written_as_OpenAI_chunks()
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new ChatCompletionChunkWriter(buffer, includeUsage: false);

        writer.Write(new ChatCompletionUpdate("c", DateTimeOffset.FromUnixTimeSeconds(1), "openai/gpt-4o", null, null, null, null, null,
            [new ToolCallDelta(0, "call_1", "get_weather", string.Empty)]));
        writer.Write(new ChatCompletionUpdate("c", DateTimeOffset.FromUnixTimeSeconds(1), "openai/gpt-4o", null, null, null, null, null,
            [new ToolCallDelta(0, null, null, "{\"city\":")]));

        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.Contains("""
            "delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}
            """.Trim(), text, StringComparison.Ordinal);
        Assert.Contains("""
            "delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}
            """.Trim(), text, StringComparison.Ordinal);
    }
}
