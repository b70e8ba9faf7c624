using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;

namespace AigneHub.UnitTests.Application;

/// <summary>The rules a tool-calling request obeys, checked before any provider is called.</summary>
public sealed class ChatToolValidationTests
{
    private static readonly ToolDefinition Weather = new("get_weather", "Current weather", """{"type":"object"}""");

    private static async Task<(RequestValidationException? Error, ScriptedProvider Provider)> SendAsync(IReadOnlyList<ChatMessage> messages, ChatSettings settings)
    {
        var provider = new ScriptedProvider("openai");
        using var app = new ApplicationHarness(provider);
        try
        {
            await app.Mediator.Send(new CreateChatCompletionCommand("req", "openai/gpt-4o", messages, settings));
            return (null, provider);
        }
        catch (RequestValidationException error)
        {
            return (error, provider);
        }
    }

    [Fact]
    public async Task A_complete_tool_round_trip_is_accepted()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, null, toolCalls: [new ToolCall("call_1", "get_weather", """{"city":"Paris"}""")]),
            new(ChatRole.Tool, "21 degrees", toolCallId: "call_1"),
        ];

        var (error, provider) = await SendAsync(messages, new ChatSettings { Tools = [Weather], ToolChoice = ToolChoice.Auto });

        Assert.Null(error);
        Assert.Equal(1, provider.Calls);
    }

    [Fact]
    public async Task A_tool_result_for_a_call_nobody_asked_for_is_refused()
    {
        ChatMessage[] messages = [new(ChatRole.User, "hi"), new(ChatRole.Tool, "21 degrees", toolCallId: "call_never_made")];

        var (error, provider) = await SendAsync(messages, ChatSettings.Default);

        var violation = Assert.Single(error!.Violations, v => v.Field == "messages");
        Assert.Contains("call_never_made", violation.Description, StringComparison.Ordinal);
        Assert.Equal(0, provider.Calls);
    }

    [Fact]
    public async Task Tool_choice_naming_a_function_that_is_not_offered_is_refused()
    {
        var (error, _) = await SendAsync([new(ChatRole.User, "hi")], new ChatSettings { Tools = [Weather], ToolChoice = ToolChoice.Function("get_time") });

        var violation = Assert.Single(error!.Violations);
        Assert.Equal("tool_choice", violation.Field);
        Assert.Contains("get_time", violation.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Required_tool_choice_without_tools_is_refused()
    {
        var (error, _) = await SendAsync([new(ChatRole.User, "hi")], new ChatSettings { ToolChoice = ToolChoice.Required });

        Assert.Equal("tool_choice", Assert.Single(error!.Violations).Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("x1234567890123456789012345678901234567890123456789012345678901234")]
    public async Task Invalid_function_names_are_refused(string name)
    {
        var (error, _) = await SendAsync([new(ChatRole.User, "hi")], new ChatSettings { Tools = [new ToolDefinition(name, null, null)] });

        Assert.StartsWith("tools", Assert.Single(error!.Violations).Field, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_function_offered_twice_is_refused()
    {
        var (error, _) = await SendAsync([new(ChatRole.User, "hi")], new ChatSettings { Tools = [Weather, Weather] });

        Assert.Equal("tools", Assert.Single(error!.Violations).Field);
    }

    [Fact]
    public async Task An_assistant_message_with_neither_content_nor_tool_calls_is_refused()
    {
        var (error, _) = await SendAsync([new(ChatRole.User, "hi"), new(ChatRole.Assistant, null), new(ChatRole.User, "again")], ChatSettings.Default);

        Assert.Equal("messages[1].content", Assert.Single(error!.Violations).Field);
    }

    [Fact]
    public async Task A_json_schema_response_format_needs_a_name_and_a_schema()
    {
        var (error, _) = await SendAsync([new(ChatRole.User, "hi")], new ChatSettings { ResponseFormat = new ResponseFormat(ResponseFormatKind.JsonSchema) });

        Assert.All(error!.Violations, v => Assert.Equal("response_format", v.Field));
        Assert.Equal(2, error.Violations.Count);
    }
}
