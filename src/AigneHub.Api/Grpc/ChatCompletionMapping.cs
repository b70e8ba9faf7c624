using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using V1 = AigneHub.Api.Grpc.V1;

namespace AigneHub.Api.Grpc;

/// <summary>
/// Maps the OpenAI-shaped contract to commands and results back. Shape errors that the commands cannot even express
/// (an unknown role, a content part of an unknown type) are reported here as field violations; every rule about
/// values lives in the command validators. This file maps the request's settings and tools, then its messages (roles,
/// text or content parts, images, the assistant's earlier tool calls); the results go back in ChatCompletionMapping.Results.cs.
/// </summary>
internal static partial class ChatCompletionMapping
{
    public static CreateChatCompletionCommand ToCommand(V1.CreateChatCompletionRequest request, string requestId) =>
        new(requestId, ModelOf(request), ToMessages(request.Messages), ToSettings(request)) { FallbackModels = FallbacksOf(request) };

    public static StreamChatCompletionCommand ToStreamCommand(V1.CreateChatCompletionRequest request, string requestId) =>
        new(requestId, ModelOf(request), ToMessages(request.Messages), ToSettings(request)) { FallbackModels = FallbacksOf(request) };

    /// <summary>The model, or as OpenRouter does, the first of <c>models</c> when the request names no model.</summary>
    private static string ModelOf(V1.CreateChatCompletionRequest request) =>
        request.Model is { Length: > 0 } model || request.Models.Count == 0 ? request.Model : request.Models[0];

    private static string[] FallbacksOf(V1.CreateChatCompletionRequest request) =>
        request.Model is { Length: > 0 } ? [.. request.Models] : [.. request.Models.Skip(1)];

    private static IReadOnlyList<ToolDefinition>? ToTools(RepeatedField<V1.Tool> tools)
    {
        if (tools.Count == 0)
        {
            return null;
        }

        var result = new ToolDefinition[tools.Count];
        for (var i = 0; i < tools.Count; i++)
        {
            var tool = tools[i];
            if (tool.Type != "function")
            {
                throw Shape($"tools[{i}].type", $"'{Truncate(tool.Type)}' is not a supported tool type: use 'function'");
            }

            if (tool.Function is null)
            {
                throw Shape($"tools[{i}].function", $"tools[{i}].function is required");
            }

            result[i] = new ToolDefinition(
                tool.Function.Name,
                string.IsNullOrEmpty(tool.Function.Description) ? null : tool.Function.Description,
                tool.Function.Parameters is null ? null : JsonFormatter.Default.Format(tool.Function.Parameters),
                tool.Function.HasStrict ? tool.Function.Strict : null);
        }

        return result;
    }

    private static ToolChoice? ToToolChoice(Value? choice) => choice?.KindCase switch
    {
        null or Value.KindOneofCase.None or Value.KindOneofCase.NullValue => null,
        Value.KindOneofCase.StringValue => choice.StringValue switch
        {
            "auto" => ToolChoice.Auto,
            "none" => ToolChoice.None,
            "required" => ToolChoice.Required,
            _ => throw Shape("tool_choice", $"'{Truncate(choice.StringValue)}' is not one of ['none', 'auto', 'required'] or a function choice"),
        },
        Value.KindOneofCase.StructValue when choice.StructValue.Fields.TryGetValue("function", out var function)
            && function.KindCase == Value.KindOneofCase.StructValue
            && function.StructValue.Fields.TryGetValue("name", out var name)
            && name.KindCase == Value.KindOneofCase.StringValue
            && name.StringValue.Length > 0 => ToolChoice.Function(name.StringValue),
        _ => throw Shape("tool_choice", "tool_choice must be 'none', 'auto', 'required' or {\"type\": \"function\", \"function\": {\"name\": …}}"),
    };

    private static ResponseFormat? ToResponseFormat(V1.ResponseFormat? format) => format?.Type switch
    {
        null => null,
        "text" => ResponseFormat.Text,
        "json_object" => ResponseFormat.JsonObject,
        "json_schema" => new ResponseFormat(
            ResponseFormatKind.JsonSchema,
            format.JsonSchema?.Name,
            format.JsonSchema?.Schema is { } schema ? JsonFormatter.Default.Format(schema) : null,
            format.JsonSchema is { HasStrict: true } strict ? strict.Strict : null,
            string.IsNullOrEmpty(format.JsonSchema?.Description) ? null : format.JsonSchema.Description),
        _ => throw Shape("response_format.type", $"'{Truncate(format.Type)}' is not one of ['text', 'json_object', 'json_schema'] - 'response_format.type'"),
    };

    private static ChatSettings ToSettings(V1.CreateChatCompletionRequest request)
    {
        RefuseDeprecatedFunctions(request);
        return new()
        {
            Temperature = request.HasTemperature ? request.Temperature : null,
            TopP = request.HasTopP ? request.TopP : null,
            MaxTokens = request.HasMaxCompletionTokens ? request.MaxCompletionTokens : request.HasMaxTokens ? request.MaxTokens : null,
            Stop = ToStop(request.Stop),
            N = request.HasN ? request.N : null,
            Seed = request.HasSeed ? request.Seed : null,
            User = string.IsNullOrEmpty(request.User) ? null : request.User,
            PresencePenalty = request.HasPresencePenalty ? request.PresencePenalty : null,
            FrequencyPenalty = request.HasFrequencyPenalty ? request.FrequencyPenalty : null,
            Tools = ToTools(request.Tools),
            ToolChoice = ToToolChoice(request.ToolChoice),
            ParallelToolCalls = request.HasParallelToolCalls ? request.ParallelToolCalls : null,
            ResponseFormat = ToResponseFormat(request.ResponseFormat),
            ReasoningEffort = request.HasReasoningEffort ? request.ReasoningEffort : null,
            Verbosity = request.HasVerbosity ? request.Verbosity : null,
            ServiceTier = request.HasServiceTier ? request.ServiceTier : null,
            Logprobs = request.HasLogprobs ? request.Logprobs : null,
            TopLogprobs = request.HasTopLogprobs ? request.TopLogprobs : null,
            LogitBias = request.LogitBias.Count > 0 ? new Dictionary<string, double>(request.LogitBias) : null,
            Store = request.HasStore ? request.Store : null,
            Metadata = request.Metadata.Count > 0 ? new Dictionary<string, string>(request.Metadata) : null,
            PredictionJson = request.Prediction is { } prediction ? JsonFormatter.Default.Format(prediction) : null,
            Modalities = request.Modalities.Count > 0 ? request.Modalities.ToArray() : null,
            AudioJson = request.Audio is { } audio ? JsonFormatter.Default.Format(audio) : null,
            WebSearchOptionsJson = request.WebSearchOptions is { } webSearch ? JsonFormatter.Default.Format(webSearch) : null,
            PromptCacheKey = request.HasPromptCacheKey ? request.PromptCacheKey : null,
            PromptCacheRetention = request.HasPromptCacheRetention ? request.PromptCacheRetention : null,
            SafetyIdentifier = request.HasSafetyIdentifier ? request.SafetyIdentifier : null,
        };
    }

    /// <summary>
    /// OpenAI's deprecated <c>functions</c>/<c>function_call</c> would answer in <c>message.function_call</c>, which the
    /// hub does not write: refused rather than dropped, with the fields that replace them.
    /// </summary>
    private static void RefuseDeprecatedFunctions(V1.CreateChatCompletionRequest request)
    {
        if (IsSet(request.Functions))
        {
            throw Shape("functions", "functions is deprecated and not supported by the hub: declare them as tools ([{\"type\": \"function\", \"function\": {…}}])");
        }

        if (IsSet(request.FunctionCall))
        {
            throw Shape("function_call", "function_call is deprecated and not supported by the hub: use tool_choice");
        }
    }

    private static bool IsSet(Value? value) => value is not null && value.KindCase is not (Value.KindOneofCase.None or Value.KindOneofCase.NullValue);

    private static IReadOnlyList<string>? ToStop(Value? stop) => stop?.KindCase switch
    {
        null or Value.KindOneofCase.None or Value.KindOneofCase.NullValue => null,
        Value.KindOneofCase.StringValue => [stop.StringValue],
        Value.KindOneofCase.ListValue when stop.ListValue.Values.All(v => v.KindCase == Value.KindOneofCase.StringValue) =>
            stop.ListValue.Values.Select(v => v.StringValue).ToArray(),
        _ => throw Shape("stop", "stop must be a string or an array of strings"),
    };

    private static RequestValidationException Shape(string field, string message) => new([new FieldViolation(field, message)]);

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static ChatMessage[] ToMessages(RepeatedField<V1.ChatMessage> messages)
    {
        var result = new ChatMessage[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var role = ToRole(message.Role, i);
            var (text, parts) = ToContent(message.Content, i);
            result[i] = new ChatMessage(
                role,
                text,
                parts,
                string.IsNullOrEmpty(message.Name) ? null : message.Name,
                string.IsNullOrEmpty(message.ToolCallId) ? null : message.ToolCallId,
                ToToolCalls(message.ToolCalls, i));
        }

        return result;
    }

    private static ChatRole ToRole(string role, int index) => role switch
    {
        "system" => ChatRole.System,
        "developer" => ChatRole.Developer,
        "user" => ChatRole.User,
        "assistant" => ChatRole.Assistant,
        "tool" => ChatRole.Tool,
        "" => throw Shape($"messages[{index}].role", $"messages[{index}].role is required"),
        _ => throw Shape($"messages[{index}].role", $"'{Truncate(role)}' is not one of ['system', 'developer', 'user', 'assistant', 'tool'] - 'messages.{index}.role'"),
    };

    private static (string? Text, IReadOnlyList<ContentPart>? Parts) ToContent(Value? content, int index)
    {
        switch (content?.KindCase)
        {
            case null or Value.KindOneofCase.None or Value.KindOneofCase.NullValue:
                return (null, null);
            case Value.KindOneofCase.StringValue:
                return (content.StringValue, null);
            case Value.KindOneofCase.ListValue:
                var values = content.ListValue.Values;
                var parts = new ContentPart[values.Count];
                for (var j = 0; j < values.Count; j++)
                {
                    parts[j] = ToPart(values[j], $"messages[{index}].content[{j}]");
                }

                return (null, parts);
            default:
                throw Shape($"messages[{index}].content", $"messages[{index}].content must be a string or an array of content parts");
        }
    }

    private static ContentPart ToPart(Value value, string field)
    {
        if (value.KindCase != Value.KindOneofCase.StructValue)
        {
            throw Shape(field, $"{field} must be an object with a type");
        }

        var fields = value.StructValue.Fields;
        var type = fields.TryGetValue("type", out var t) ? t.StringValue : string.Empty;
        switch (type)
        {
            case "text" when fields.TryGetValue("text", out var text) && text.KindCase == Value.KindOneofCase.StringValue:
                return new TextPart(text.StringValue);
            case "image_url" when fields.TryGetValue("image_url", out var image):
                return ToImagePart(image, field);
            case "text" or "image_url":
                throw Shape(field, $"{field} is missing its '{type}' value");
            default:
                throw Shape($"{field}.type", $"'{Truncate(type)}' is not a supported content part type: use 'text' or 'image_url'");
        }
    }

    private static ImagePart ToImagePart(Value image, string field)
    {
        if (image.KindCase == Value.KindOneofCase.StringValue)
        {
            return new ImagePart(image.StringValue, null);
        }

        if (image.KindCase == Value.KindOneofCase.StructValue
            && image.StructValue.Fields.TryGetValue("url", out var url)
            && url.KindCase == Value.KindOneofCase.StringValue)
        {
            var detail = image.StructValue.Fields.TryGetValue("detail", out var d) && d.KindCase == Value.KindOneofCase.StringValue
                ? d.StringValue
                : null;
            return new ImagePart(url.StringValue, detail);
        }

        throw Shape($"{field}.image_url", $"{field}.image_url must have a url");
    }

    private static ToolCall[]? ToToolCalls(RepeatedField<V1.ToolCall> calls, int index)
    {
        if (calls.Count == 0)
        {
            return null;
        }

        var result = new ToolCall[calls.Count];
        for (var j = 0; j < calls.Count; j++)
        {
            var call = calls[j];
            if (call.Function is null)
            {
                throw Shape($"messages[{index}].tool_calls[{j}].function", $"messages[{index}].tool_calls[{j}].function is required");
            }

            result[j] = new ToolCall(call.Id, call.Function.Name, call.Function.Arguments);
        }

        return result;
    }
}
