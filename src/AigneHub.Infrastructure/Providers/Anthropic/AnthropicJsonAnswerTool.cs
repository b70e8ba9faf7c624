namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>
/// How the adapter gives Anthropic OpenAI's <c>response_format</c>. The Messages API has no JSON mode on every model
/// (its structured outputs are a beta behind a header, for a few models only), but every Claude model with tools can be
/// made to call a tool, and a tool's input is a JSON object that follows the tool's <c>input_schema</c>. So a JSON
/// answer is asked for as a call to one extra tool, the "answer tool", whose schema is the caller's (json_schema) or
/// any object (json_object); the call's input comes back as the answer's content, never as a tool call.
/// </summary>
/// <remarks>
/// The answer tool is only offered when the answer may be text: with <c>tool_choice</c> required or a named function
/// the model must call the caller's tools, so there is no text answer to shape. When the caller's tools are offered
/// too (tool_choice auto or absent), the model must call some tool (Anthropic's <c>any</c>): one of the caller's, or
/// the answer tool to answer.
/// </remarks>
internal static class AnthropicJsonAnswerTool
{
    public const string BaseName = "json_response";

    /// <summary>
    /// The answer tool's name for this request, or null when the request asks for no JSON answer (or must call one of
    /// its own tools). The name is <see cref="BaseName"/>, or that with a number when the caller has a tool of that name.
    /// </summary>
    public static string? NameFor(ChatSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.ResponseFormat is not { Kind: ResponseFormatKind.JsonObject or ResponseFormatKind.JsonSchema }
            || settings.ToolChoice is { Mode: ToolChoiceMode.Required or ToolChoiceMode.Function })
        {
            return null;
        }

        var name = BaseName;
        for (var suffix = 2; settings.Tools?.Any(tool => tool.Name == name) == true; suffix++)
        {
            name = BaseName + "_" + suffix;
        }

        return name;
    }

    /// <summary>What the model is told the answer tool is for.</summary>
    public static string Description(ResponseFormat format)
    {
        var description = format.Kind == ResponseFormatKind.JsonSchema
            ? $"Give your final answer to the user by calling this tool: its input is the answer, a JSON object following the schema '{format.SchemaName}'."
            : "Give your final answer to the user by calling this tool: its input is the answer, as a JSON object.";
        return string.IsNullOrWhiteSpace(format.Description) ? description : description + " " + format.Description;
    }
}
