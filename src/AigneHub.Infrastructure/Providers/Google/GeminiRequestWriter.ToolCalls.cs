namespace AigneHub.Infrastructure.Providers.Google;

// Function calls of a model turn and the function responses that answer them.
internal static partial class GeminiRequestWriter
{
    /// <summary>
    /// A tool call the model asked for earlier: <c>{"functionCall":{"name","args"}}</c>, the arguments parsed into the
    /// object Gemini wants. The call's id is not sent: Gemini pairs results with calls by name and order, and the id
    /// the hub handed out is its own (<see cref="GeminiToolCallId"/>). A thought signature the id carries goes back
    /// beside the call, as Gemini 3 models require for the calls of the current turn.
    /// </summary>
    private static void WriteFunctionCall(Utf8JsonWriter writer, ToolCall call, string provider)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("functionCall"u8);
        writer.WriteString("name"u8, call.Name);
        writer.WritePropertyName("args"u8);
        WriteArguments(writer, call, provider);
        writer.WriteEndObject();
        if (GeminiToolCallId.ThoughtSignature(call.Id) is { } signature)
        {
            writer.WriteString("thoughtSignature"u8, signature);
        }

        writer.WriteEndObject();
    }

    /// <summary>Arguments JSON text as an object; blank text is no arguments ({}), anything but an object is refused.</summary>
    private static void WriteArguments(Utf8JsonWriter writer, ToolCall call, string provider)
    {
        if (string.IsNullOrWhiteSpace(call.Arguments))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        JsonDocument arguments;
        try
        {
            arguments = JsonDocument.Parse(call.Arguments);
        }
        catch (JsonException)
        {
            throw Unsupported(provider, $"The arguments of tool call '{Short(call.Id)}' ({call.Name}) are not valid JSON; {provider} takes them as a JSON object.");
        }

        using (arguments)
        {
            if (arguments.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Unsupported(provider, $"The arguments of tool call '{Short(call.Id)}' ({call.Name}) are not a JSON object; {provider} takes them as one.");
            }

            arguments.RootElement.WriteTo(writer);
        }
    }

    /// <summary>
    /// A tool result: <c>{"functionResponse":{"name","response"}}</c>. Gemini needs the function's name, which a tool
    /// message does not carry: it is taken from the assistant tool call the message answers (by id). A result that is a
    /// JSON object is the response itself; any other result (plain text, an array, a number) is wrapped as
    /// <c>{"output": result}</c>, because the response must be an object.
    /// </summary>
    private static void WriteFunctionResponse(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, ChatMessage message, string provider)
    {
        var name = FunctionNameOf(messages, message)
            ?? throw Unsupported(provider, $"The tool message for '{Short(message.ToolCallId)}' answers no tool call of an earlier assistant message; {provider} needs the function's name.");
        var result = message.PlainText();
        writer.WriteStartObject();
        writer.WriteStartObject("functionResponse"u8);
        writer.WriteString("name"u8, name);
        writer.WritePropertyName("response"u8);
        if (TryParseObject(result) is { } response)
        {
            using (response)
            {
                response.RootElement.WriteTo(writer);
            }
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString(ToolOutputKey, result);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The name of the call a tool message answers: the latest assistant tool call with its id before it.</summary>
    private static string? FunctionNameOf(IReadOnlyList<ChatMessage> messages, ChatMessage toolMessage)
    {
        if (toolMessage.ToolCallId is { Length: > 0 } id)
        {
            var position = IndexOf(messages, toolMessage);
            for (var i = position - 1; i >= 0; i--)
            {
                foreach (var call in messages[i].ToolCalls ?? [])
                {
                    if (string.Equals(call.Id, id, StringComparison.Ordinal))
                    {
                        return call.Name;
                    }
                }
            }
        }

        // Only the legacy "function" role named the function on the result itself.
        return string.IsNullOrEmpty(toolMessage.Name) ? null : toolMessage.Name;
    }

    private static int IndexOf(IReadOnlyList<ChatMessage> messages, ChatMessage message)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (ReferenceEquals(messages[i], message))
            {
                return i;
            }
        }

        return messages.Count;
    }

    private static JsonDocument? TryParseObject(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.IsEmpty || trimmed[0] != '{')
        {
            return null;
        }

        try
        {
            var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
