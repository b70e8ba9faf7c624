namespace AigneHub.Infrastructure.Providers.Anthropic;

// Tool calls in an assistant turn: tool_use blocks and their arguments.
internal static partial class AnthropicMessagesRequestWriter
{
    /// <summary>
    /// A call the model asked for earlier, as Anthropic's <c>tool_use</c> block. Anthropic takes the input as a JSON
    /// object where OpenAI carries the arguments as JSON text: the text is parsed, and text that is not an object is
    /// refused rather than guessed at. Empty arguments (some models send them for functions without parameters) are {}.
    /// </summary>
    private static void WriteToolUseBlock(Utf8JsonWriter writer, ToolCall call)
    {
        using var input = ParseArguments(call);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_use"u8);
        writer.WriteString("id"u8, call.Id);
        writer.WriteString("name"u8, call.Name);
        writer.WritePropertyName("input"u8);
        if (input is null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            input.RootElement.WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    private static JsonDocument? ParseArguments(ToolCall call)
    {
        if (string.IsNullOrWhiteSpace(call.Arguments))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(call.Arguments);
        }
        catch (JsonException)
        {
            throw new NotSupportedException($"The arguments of the call to '{call.Name}' in an assistant message are not valid JSON; Anthropic takes them as a JSON object.");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new NotSupportedException($"The arguments of the call to '{call.Name}' in an assistant message are not a JSON object; Anthropic takes them as one.");
        }

        return document;
    }
}
