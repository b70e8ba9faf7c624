namespace AigneHub.Api.Rest.Aigne;

/// <summary>What an AIGNE client asked for on POST /api/v2/chat, in the hub's terms.</summary>
internal sealed record AigneChatRequest(string Model, IReadOnlyList<ChatMessage> Messages, ChatSettings Settings, bool Streaming);

/// <summary>
/// Reads the AIGNE framework's invoke payload: <c>{"input":{messages, modelOptions:{model,…}, tools?, toolChoice?,
/// responseFormat?}, "options":{"streaming"}}</c> (older clients put <c>model</c> at the top level). Shape errors are
/// reported as field violations naming the path the client sent; rules about values stay in the command validators.
/// </summary>
internal static class AigneChatRequestReader
{
    /// <summary>The client's own provider prefix ("aignehub/openai/gpt-4o"): the hub is that provider, so it is dropped.</summary>
    private const string ClientPrefix = "aignehub/";

    public static AigneChatRequest Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw Shape("body", "the request body must be a JSON object with an 'input'");
        }

        if (!body.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.Object)
        {
            throw Shape("input", "input is required and must be an object");
        }

        var modelOptions = Optional(input, "modelOptions", JsonValueKind.Object, "input.modelOptions");
        var model = (modelOptions is { } mo ? OptionalString(mo, "model", "input.modelOptions.model") : null)
            ?? OptionalString(body, "model", "model")
            ?? throw Shape("input.modelOptions.model", "input.modelOptions.model is required, e.g. \"demo/echo\" or \"openai/gpt-4o-mini\"");
        model = WithoutClientPrefix(model);

        if (!input.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw Shape("input.messages", "input.messages is required and must be an array");
        }

        var settings = new ChatSettings
        {
            Temperature = modelOptions is { } t ? OptionalNumber(t, "temperature", "input.modelOptions.temperature") : null,
            TopP = modelOptions is { } p ? OptionalNumber(p, "topP", "input.modelOptions.topP") : null,
            FrequencyPenalty = modelOptions is { } f ? OptionalNumber(f, "frequencyPenalty", "input.modelOptions.frequencyPenalty") : null,
            PresencePenalty = modelOptions is { } r ? OptionalNumber(r, "presencePenalty", "input.modelOptions.presencePenalty") : null,
            MaxTokens = modelOptions is { } m && OptionalNumber(m, "maxTokens", "input.modelOptions.maxTokens") is { } max ? ToInt(max, "input.modelOptions.maxTokens") : null,
            ParallelToolCalls = modelOptions is { } pt ? OptionalBoolean(pt, "parallelToolCalls", "input.modelOptions.parallelToolCalls") : null,
            Tools = ReadTools(input),
            ToolChoice = ReadToolChoice(input),
            ResponseFormat = ReadResponseFormat(input),
        };

        var options = Optional(body, "options", JsonValueKind.Object, "options");
        var streaming = options is { } o && OptionalBoolean(o, "streaming", "options.streaming") == true;

        return new AigneChatRequest(model, ReadMessages(messages), settings, streaming);
    }

    /// <summary>The model name without the AIGNE client's own "aignehub/" provider prefix.</summary>
    public static string WithoutClientPrefix(string model) =>
        model.StartsWith(ClientPrefix, StringComparison.OrdinalIgnoreCase) ? model[ClientPrefix.Length..] : model;

    private static ChatMessage[] ReadMessages(JsonElement messages)
    {
        var result = new ChatMessage[messages.GetArrayLength()];
        var i = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var path = $"input.messages[{i}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw Shape(path, $"{path} must be an object");
            }

            var role = OptionalString(message, "role", path + ".role") switch
            {
                "system" => ChatRole.System,
                "user" => ChatRole.User,
                "agent" => ChatRole.Assistant,
                "tool" => ChatRole.Tool,
                null => throw Shape(path + ".role", $"{path}.role is required"),
                var other => throw Shape(path + ".role", $"'{Truncate(other)}' is not one of ['system', 'user', 'agent', 'tool']"),
            };

            var (text, parts) = ReadContent(message, path);
            result[i] = new ChatMessage(
                role,
                text,
                parts,
                OptionalString(message, "name", path + ".name"),
                OptionalString(message, "toolCallId", path + ".toolCallId"),
                ReadToolCalls(message, path));
            i++;
        }

        return result;
    }

    private static (string? Text, IReadOnlyList<ContentPart>? Parts) ReadContent(JsonElement message, string path)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return (content.GetString(), null);
            case JsonValueKind.Array:
                var parts = new List<ContentPart>(content.GetArrayLength());
                var j = 0;
                foreach (var part in content.EnumerateArray())
                {
                    parts.Add(ReadPart(part, $"{path}.content[{j++}]"));
                }

                return (null, parts);
            case JsonValueKind.Object:
                // A tool's result as an object: the model sees it as JSON text.
                return (content.GetRawText(), null);
            default:
                throw Shape(path + ".content", $"{path}.content must be a string or an array of content parts");
        }
    }

    private static ContentPart ReadPart(JsonElement part, string path)
    {
        if (part.ValueKind != JsonValueKind.Object)
        {
            throw Shape(path, $"{path} must be an object with a type");
        }

        var type = OptionalString(part, "type", path + ".type");
        switch (type)
        {
            case "text":
                return new TextPart(OptionalString(part, "text", path + ".text") ?? throw Shape(path + ".text", $"{path}.text is required"));
            case "url":
                return new ImagePart(OptionalString(part, "url", path + ".url") ?? throw Shape(path + ".url", $"{path}.url is required"), null);
            case "file":
                var data = OptionalString(part, "data", path + ".data") ?? throw Shape(path + ".data", $"{path}.data is required");
                var mimeType = OptionalString(part, "mimeType", path + ".mimeType") ?? "image/png";
                return new ImagePart(data.StartsWith("data:", StringComparison.Ordinal) ? data : $"data:{mimeType};base64,{data}", null);
            case "local":
                throw Shape(path + ".type", $"{path} is a local file, which a remote hub cannot read: send it as type 'file' (base64 data) or 'url'");
            default:
                throw Shape(path + ".type", $"'{Truncate(type ?? string.Empty)}' is not a supported content part type: use 'text', 'url' or 'file'");
        }
    }

    private static ToolCall[]? ReadToolCalls(JsonElement message, string path)
    {
        if (Optional(message, "toolCalls", JsonValueKind.Array, path + ".toolCalls") is not { } calls || calls.GetArrayLength() == 0)
        {
            return null;
        }

        var result = new ToolCall[calls.GetArrayLength()];
        var k = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var callPath = $"{path}.toolCalls[{k}]";
            var function = call.ValueKind == JsonValueKind.Object ? Optional(call, "function", JsonValueKind.Object, callPath + ".function") : null;
            if (function is not { } f)
            {
                throw Shape(callPath + ".function", $"{callPath}.function is required");
            }

            var arguments = f.TryGetProperty("arguments", out var args) ? args : default;
            result[k++] = new ToolCall(
                OptionalString(call, "id", callPath + ".id") ?? string.Empty,
                OptionalString(f, "name", callPath + ".function.name") ?? string.Empty,
                arguments.ValueKind switch
                {
                    JsonValueKind.Undefined or JsonValueKind.Null => "{}",
                    JsonValueKind.String => arguments.GetString()!,
                    _ => arguments.GetRawText(),
                });
        }

        return result;
    }

    private static ToolDefinition[]? ReadTools(JsonElement input)
    {
        if (Optional(input, "tools", JsonValueKind.Array, "input.tools") is not { } tools || tools.GetArrayLength() == 0)
        {
            return null;
        }

        var result = new ToolDefinition[tools.GetArrayLength()];
        var i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            result[i] = ReadTool(tool, $"input.tools[{i}]");
            i++;
        }

        return result;
    }

    private static ToolDefinition ReadTool(JsonElement tool, string path)
    {
        var function = tool.ValueKind == JsonValueKind.Object ? Optional(tool, "function", JsonValueKind.Object, path + ".function") : null;
        if (function is not { } f)
        {
            throw Shape(path + ".function", $"{path}.function is required");
        }

        return new ToolDefinition(
            OptionalString(f, "name", path + ".function.name") ?? string.Empty,
            OptionalString(f, "description", path + ".function.description"),
            Optional(f, "parameters", JsonValueKind.Object, path + ".function.parameters")?.GetRawText());
    }

    private static ToolChoice? ReadToolChoice(JsonElement input)
    {
        if (!input.TryGetProperty("toolChoice", out var choice) || choice.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return choice.ValueKind switch
        {
            JsonValueKind.String => choice.GetString() switch
            {
                "auto" => ToolChoice.Auto,
                "none" => ToolChoice.None,
                "required" => ToolChoice.Required,
                var other => throw Shape("input.toolChoice", $"'{Truncate(other ?? string.Empty)}' is not one of ['auto', 'none', 'required'] or a tool"),
            },
            JsonValueKind.Object => ToolChoice.Function(ReadTool(choice, "input.toolChoice").Name),
            _ => throw Shape("input.toolChoice", "input.toolChoice must be 'auto', 'none', 'required' or a tool"),
        };
    }

    private static ResponseFormat? ReadResponseFormat(JsonElement input)
    {
        if (Optional(input, "responseFormat", JsonValueKind.Object, "input.responseFormat") is not { } format)
        {
            return null;
        }

        return OptionalString(format, "type", "input.responseFormat.type") switch
        {
            "text" or null => null,
            "json_schema" => Optional(format, "jsonSchema", JsonValueKind.Object, "input.responseFormat.jsonSchema") is { } schema
                ? new ResponseFormat(
                    ResponseFormatKind.JsonSchema,
                    OptionalString(schema, "name", "input.responseFormat.jsonSchema.name"),
                    Optional(schema, "schema", JsonValueKind.Object, "input.responseFormat.jsonSchema.schema")?.GetRawText(),
                    schema.TryGetProperty("strict", out var strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False ? strict.GetBoolean() : null,
                    OptionalString(schema, "description", "input.responseFormat.jsonSchema.description"))
                : throw Shape("input.responseFormat.jsonSchema", "input.responseFormat.jsonSchema is required for type 'json_schema'"),
            "json_object" => ResponseFormat.JsonObject,
            var other => throw Shape("input.responseFormat.type", $"'{Truncate(other)}' is not one of ['text', 'json_schema']"),
        };
    }

    private static JsonElement? Optional(JsonElement parent, string name, JsonValueKind kind, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == kind
            ? value
            : throw Shape(path, $"{path} must be {(kind == JsonValueKind.Array ? "an array" : "an object")}");
    }

    private static string? OptionalString(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Shape(path, $"{path} must be a string");
    }

    private static double? OptionalNumber(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw Shape(path, $"{path} must be a number");
    }

    private static bool? OptionalBoolean(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : throw Shape(path, $"{path} must be true or false");
    }

    private static int ToInt(double value, string path) =>
        value is >= 1 and <= int.MaxValue && Math.Floor(value) == value ? (int)value : throw Shape(path, $"{path} must be a positive integer");

    private static RequestValidationException Shape(string field, string message) => new([new FieldViolation(field, message)]);

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
