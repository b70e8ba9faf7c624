namespace AigneHub.Infrastructure.Providers.Google;

// Function declarations, the tool config and their schemas.
internal static partial class GeminiRequestWriter
{
    /// <summary>
    /// <c>tools: [{functionDeclarations: [...]}]</c> and the calling mode. Parameter schemas go in
    /// <c>parametersJsonSchema</c> (JSON Schema as OpenAI clients write it, <c>additionalProperties</c>, <c>anyOf</c>,
    /// <c>$ref</c> included) rather than <c>parameters</c>, whose OpenAPI subset rejects such keywords; only the
    /// top-level <c>$schema</c> is dropped, as it names a dialect and constrains nothing. OpenAI's <c>strict</c> has no
    /// per-function equivalent and is not sent; neither is <c>parallel_tool_calls</c>: Gemini has no switch for it.
    /// </summary>
    private static void WriteTools(Utf8JsonWriter writer, ChatSettings settings, string provider)
    {
        if (settings.Tools is not { Count: > 0 } tools)
        {
            return;
        }

        writer.WriteStartArray("tools"u8);
        writer.WriteStartObject();
        writer.WriteStartArray("functionDeclarations"u8);
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("name"u8, tool.Name);
            if (!string.IsNullOrEmpty(tool.Description))
            {
                writer.WriteString("description"u8, tool.Description);
            }

            if (tool.ParametersJson is { } parameters)
            {
                writer.WritePropertyName("parametersJsonSchema"u8);
                WriteSchema(writer, parameters, provider, $"The parameters of tool '{tool.Name}'");
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();

        if (settings.ToolChoice is { } choice)
        {
            WriteToolConfig(writer, choice);
        }
    }

    /// <summary>
    /// OpenAI's tool_choice as Gemini's <c>functionCallingConfig.mode</c>: auto → AUTO, none → NONE (the tools stay
    /// declared, the model answers in text), required → ANY, a named function → ANY limited to that function by
    /// <c>allowedFunctionNames</c>. Every mode has an equivalent.
    /// </summary>
    private static void WriteToolConfig(Utf8JsonWriter writer, ToolChoice choice)
    {
        writer.WriteStartObject("toolConfig"u8);
        writer.WriteStartObject("functionCallingConfig"u8);
        writer.WriteString("mode"u8, choice.Mode switch
        {
            ToolChoiceMode.None => "NONE",
            ToolChoiceMode.Required or ToolChoiceMode.Function => "ANY",
            _ => "AUTO",
        });
        if (choice is { Mode: ToolChoiceMode.Function, FunctionName: { } name })
        {
            writer.WriteStartArray("allowedFunctionNames"u8);
            writer.WriteStringValue(name);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>A JSON Schema given as text, written as a value without its top-level <c>$schema</c> keyword.</summary>
    private static void WriteSchema(Utf8JsonWriter writer, string schemaJson, string provider, string what)
    {
        JsonDocument schema;
        try
        {
            schema = JsonDocument.Parse(schemaJson);
        }
        catch (JsonException)
        {
            throw Unsupported(provider, $"{what} is not valid JSON Schema text.");
        }

        using (schema)
        {
            var root = schema.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Unsupported(provider, $"{what} must be a JSON Schema object.");
            }

            writer.WriteStartObject();
            foreach (var property in root.EnumerateObject())
            {
                if (!property.NameEquals("$schema"u8))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }
    }
}
