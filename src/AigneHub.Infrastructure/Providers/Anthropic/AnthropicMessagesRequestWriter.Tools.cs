namespace AigneHub.Infrastructure.Providers.Anthropic;

// Tool definitions and tool choice.
internal static partial class AnthropicMessagesRequestWriter
{
    /// <summary>
    /// The caller's functions, then the answer tool when a JSON answer is asked for, each with the JSON Schema of its
    /// input; then <c>tool_choice</c>. Nothing is written when there is neither.
    /// </summary>
    /// <remarks>
    /// A function's <c>strict</c> flag is not sent: Anthropic takes it only with its structured-outputs beta header, and
    /// rejects it otherwise. The model is still given the schema; it is just not held to it by the API.
    /// </remarks>
    private static void WriteTools(Utf8JsonWriter writer, ChatSettings settings, string? answerTool)
    {
        var tools = settings.Tools ?? [];
        if (tools.Count == 0 && answerTool is null)
        {
            return;
        }

        writer.WriteStartArray("tools"u8);
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, tool.Name);
            if (!string.IsNullOrEmpty(tool.Description))
            {
                writer.WriteString("description"u8, tool.Description);
            }

            WriteObjectSchema(writer, tool.ParametersJson, $"The parameters of the function '{tool.Name}'");
            writer.WriteEndObject();
        }

        if (answerTool is not null)
        {
            var format = settings.ResponseFormat!;
            writer.WriteStartObject();
            writer.WriteString("name"u8, answerTool);
            writer.WriteString("description"u8, AnthropicJsonAnswerTool.Description(format));
            WriteObjectSchema(
                writer,
                format.Kind == ResponseFormatKind.JsonSchema ? format.SchemaJson : """{"type":"object"}""",
                "response_format.json_schema.schema");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteToolChoice(writer, settings, answerTool);
    }

    /// <summary>
    /// OpenAI's <c>tool_choice</c> and <c>parallel_tool_calls</c> as Anthropic's <c>tool_choice</c>. Every OpenAI mode
    /// has a counterpart: auto → auto, none → none (the tools stay declared, so the conversation's earlier tool_use
    /// blocks still refer to known tools), required → any, a named function → tool.
    /// <c>parallel_tool_calls: false</c> → <c>disable_parallel_tool_use: true</c>, which Anthropic does not take with
    /// none (no tool is called then anyway). With an answer tool, the model must call a tool: the answer tool alone
    /// (one call), or — when the caller's tools are offered too — any of them.
    /// </summary>
    private static void WriteToolChoice(Utf8JsonWriter writer, ChatSettings settings, string? answerTool)
    {
        var oneCallOnly = settings.ParallelToolCalls == false;
        string type;
        string? name = null;
        if (answerTool is not null)
        {
            if (settings.Tools is { Count: > 0 } && settings.ToolChoice is null or { Mode: ToolChoiceMode.Auto })
            {
                type = "any";
            }
            else
            {
                type = "tool";
                name = answerTool;
                oneCallOnly = true;
            }
        }
        else
        {
            switch (settings.ToolChoice?.Mode)
            {
                case null when !oneCallOnly:
                    // Anthropic's default is auto, as OpenAI's is.
                    return;
                case null or ToolChoiceMode.Auto:
                    type = "auto";
                    break;
                case ToolChoiceMode.None:
                    type = "none";
                    oneCallOnly = false;
                    break;
                case ToolChoiceMode.Required:
                    type = "any";
                    break;
                case ToolChoiceMode.Function:
                    type = "tool";
                    name = settings.ToolChoice.FunctionName;
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(settings), settings.ToolChoice.Mode, "Unknown tool choice mode.");
            }
        }

        writer.WriteStartObject("tool_choice"u8);
        writer.WriteString("type"u8, type);
        if (name is not null)
        {
            writer.WriteString("name"u8, name);
        }

        if (oneCallOnly)
        {
            writer.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        writer.WriteEndObject();
    }
}
