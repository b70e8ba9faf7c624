namespace AigneHub.Infrastructure.Providers.Bedrock;

// toolConfig: the caller's tools, the JSON-answer tool and the tool choice.
internal static partial class BedrockConverseRequestWriter
{
    /// <summary>
    /// <c>toolConfig</c>: the functions as <c>toolSpec</c>s and tool_choice as Converse's <c>toolChoice</c>
    /// (<c>required</c> → <c>any</c>, a named function → <c>tool</c>; <c>auto</c> is Converse's default and is left
    /// out, because some tool-capable models reject an explicit <c>toolChoice</c>). Converse has no <c>none</c>: the
    /// tools are left out instead, unless the conversation already holds tool calls or results, for which Converse
    /// requires a <c>toolConfig</c>; then the tools are sent without a choice and the model may still call one.
    /// Converse has no counterpart of <c>parallel_tool_calls: false</c> either: it is not sent.
    /// </summary>
    private static void WriteToolConfig(Utf8JsonWriter writer, Application.Chat.ChatSettings settings, IReadOnlyList<ChatMessage> messages)
    {
        var historyUsesTools = messages.Any(static m => m.ToolCalls is not null || (m.Role == ChatRole.Tool && m.ToolCallId is not null));
        var choice = settings.ToolChoice;
        if (choice is { Mode: ToolChoiceMode.None } && !historyUsesTools)
        {
            return;
        }

        var tools = settings.Tools is { Count: > 0 } declared ? declared : null;
        if (tools is null && !historyUsesTools)
        {
            return;
        }

        writer.WriteStartObject("toolConfig"u8);
        writer.WriteStartArray("tools"u8);
        if (tools is not null)
        {
            for (var i = 0; i < tools.Count; i++)
            {
                WriteToolSpec(writer, tools[i].Name, tools[i].Description, tools[i].ParametersJson, $"tools[{i}]", tools[i].Strict == true);
            }
        }
        else
        {
            // A conversation that carries earlier tool calls but declares no tools now: Converse still wants the
            // functions declared, so the ones the history used are, with an open schema.
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var call in messages.Where(static m => m.ToolCalls is not null).SelectMany(static m => m.ToolCalls!))
            {
                if (names.Add(call.Name))
                {
                    WriteToolSpec(writer, call.Name, description: null, parametersJson: null, "tool_calls", strict: false);
                }
            }
        }

        writer.WriteEndArray();
        if (tools is not null)
        {
            switch (choice?.Mode)
            {
                case ToolChoiceMode.Required:
                    writer.WriteStartObject("toolChoice"u8);
                    writer.WriteStartObject("any"u8);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
                case ToolChoiceMode.Function when choice.FunctionName is { } name:
                    writer.WriteStartObject("toolChoice"u8);
                    writer.WriteStartObject("tool"u8);
                    writer.WriteString("name"u8, name);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
            }
        }

        writer.WriteEndObject();
    }

    /// <param name="strict">
    /// OpenAI's <c>strict: true</c>, sent as Converse's <c>strict</c> (structured output enforced on the tool's input);
    /// left out otherwise, as models without that support may refuse the field.
    /// </param>
    private static void WriteToolSpec(Utf8JsonWriter writer, string name, string? description, string? parametersJson, string where, bool strict)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("toolSpec"u8);
        writer.WriteString("name"u8, name);
        if (!string.IsNullOrEmpty(description))
        {
            // Converse refuses an empty description; OpenAI's is optional.
            writer.WriteString("description"u8, description);
        }

        writer.WriteStartObject("inputSchema"u8);
        writer.WritePropertyName("json"u8);
        if (parametersJson is null)
        {
            // A function without parameters: Converse requires a schema, and its top level must be an object.
            writer.WriteStartObject();
            writer.WriteString("type"u8, "object");
            writer.WriteStartObject("properties"u8);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        else
        {
            WriteJsonObject(writer, parametersJson, $"{where}.function.parameters is not a JSON schema object");
        }

        writer.WriteEndObject();
        if (strict)
        {
            writer.WriteBoolean("strict"u8, true);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
