using AigneHub.Application.Chat;
using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;

namespace AigneHub.UnitTests.Application;

/// <summary>Every message and settings rule of a chat call names the wire field and says why, in the order clients see them.</summary>
public sealed class ChatRequestViolationsTests
{
    private static async Task<IReadOnlyList<FieldViolation>> ViolationsAsync(IReadOnlyList<ChatMessage> messages, ChatSettings settings)
    {
        using var app = new ApplicationHarness(new ScriptedProvider("openai"));
        var error = await Assert.ThrowsAsync<RequestValidationException>(() =>
            app.Mediator.Send(new CreateChatCompletionCommand("req", "openai/gpt-4o", messages, settings)).AsTask());
        return error.Violations;
    }

    [Fact]
    public async Task Each_broken_message_is_named_by_its_index_and_field_in_order()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.User, null),
            new(ChatRole.Tool, "21", toolCallId: " "),
            new(ChatRole.Assistant, null),
            new(ChatRole.User, "hi", toolCalls: [new ToolCall("call_1", "f", "{}")]),
            new(ChatRole.Assistant, null, toolCalls: [new ToolCall("", "bad name", "{}"), new ToolCall("call_2", "ok", "{}")]),
            new(ChatRole.User, null, parts: [new TextPart("look"), new ImagePart("ftp://example.com/cat.png", null), new ImagePart("data:image/png;base64,AAAA", null)]),
            new(ChatRole.System, null),
        ];

        var violations = await ViolationsAsync(messages, ChatSettings.Default);

        Assert.Equal(
            [
                new FieldViolation("messages[0].content", "a user message must have content"),
                new FieldViolation("messages[1].tool_call_id", "a tool message must name the tool_call_id it answers"),
                new FieldViolation("messages[2].content", "an assistant message must have content or tool_calls"),
                new FieldViolation("messages[3].tool_calls", "only assistant messages may carry tool_calls"),
                new FieldViolation("messages[4].tool_calls[0]", "tool_calls[].id is required"),
                new FieldViolation("messages[4].tool_calls[0]", "tool_calls[].function.name 'bad name' must be 1 to 64 letters, digits, '_' or '-'"),
                new FieldViolation("messages[5].content[1]", "image_url.url must be an http(s) URL or a data: URL"),
                new FieldViolation("messages[6].content", "a system message must have content"),
                new FieldViolation("messages", "messages with role 'tool' must answer a tool call of a preceding assistant message: ' ' was not asked for"),
            ],
            violations);
    }

    [Fact]
    public async Task Broken_settings_are_named_by_their_wire_names_in_order()
    {
        var settings = new ChatSettings
        {
            Temperature = 3,
            MaxTokens = 0,
            N = 99,
            Stop = ["a", "b", "c", "d", "e"],
            TopLogprobs = 3,
            ReasoningEffort = "extreme",
            Modalities = ["audio"],
        };

        var violations = await ViolationsAsync([new(ChatRole.User, "hi")], settings);

        Assert.Equal(
            ["temperature", "max_tokens", "n", "stop", "reasoning_effort", "top_logprobs", "modalities"],
            violations.Select(v => v.Field));
        Assert.Equal("top_logprobs requires logprobs: true", violations.Single(v => v.Field == "top_logprobs").Description);
        Assert.StartsWith("'extreme' is not one of", violations.Single(v => v.Field == "reasoning_effort").Description, StringComparison.Ordinal);
    }
}
