using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Chat.Commands.StreamChatCompletion;
using AigneHub.Application.Chat.Common;
using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Chat;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using V1 = AigneHub.Api.Grpc.V1;

namespace AigneHub.Api.Grpc;

/// <summary>
/// Maps the OpenAI-shaped contract to commands and results back. Shape errors that the commands cannot even express
/// (an unknown role, a content part of an unknown type) are reported here as field violations; every rule about
/// values lives in the command validators.
/// </summary>
internal static class ChatCompletionMapping
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

    public static V1.CreateChatCompletionResponse ToResponse(ChatCompletion completion)
    {
        var response = new V1.CreateChatCompletionResponse
        {
            Id = completion.Id,
            Object = "chat.completion",
            Created = completion.Created.ToUnixTimeSeconds(),
            Model = completion.Model,
            Usage = ToUsage(completion.Usage),
        };

        foreach (var choice in completion.Choices)
        {
            var message = new V1.AssistantMessage { Role = "assistant" };
            if (choice.Content is not null)
            {
                message.Content = choice.Content;
            }

            if (choice.ToolCalls is { } calls)
            {
                foreach (var call in calls)
                {
                    message.ToolCalls.Add(ToWire(call));
                }
            }

            response.Choices.Add(new V1.ChatCompletionChoice
            {
                Index = choice.Index, Message = message, FinishReason = choice.FinishReason, Logprobs = ToLogprobs(choice.LogprobsJson),
            });
        }

        if (completion.SystemFingerprint is not null)
        {
            response.SystemFingerprint = completion.SystemFingerprint;
        }

        return response;
    }

    public static V1.ChatCompletionChunk ToChunk(ChatCompletionUpdate update)
    {
        var chunk = new V1.ChatCompletionChunk
        {
            Id = update.Id,
            Object = "chat.completion.chunk",
            Created = update.Created.ToUnixTimeSeconds(),
            Model = update.Model,
        };

        if (update.SystemFingerprint is not null)
        {
            chunk.SystemFingerprint = update.SystemFingerprint;
        }

        if (update.Usage is { } usage)
        {
            chunk.Usage = ToUsage(usage);
            return chunk;
        }

        var delta = new V1.ChunkDelta();
        if (update.Role is not null)
        {
            delta.Role = update.Role;
        }

        if (update.ContentDelta is not null)
        {
            delta.Content = update.ContentDelta;
        }

        if (update.ToolCallDeltas is { } calls)
        {
            foreach (var call in calls)
            {
                delta.ToolCalls.Add(ToWire(call));
            }
        }

        var choice = new V1.ChatCompletionChunkChoice { Index = update.ChoiceIndex, Delta = delta, Logprobs = ToLogprobs(update.LogprobsJson) };
        if (update.FinishReason is not null)
        {
            choice.FinishReason = update.FinishReason;
        }

        chunk.Choices.Add(choice);
        return chunk;
    }

    private static Value ToLogprobs(string? json) => json is null ? Value.ForNull() : Value.Parser.ParseJson(json);

    private static V1.CompletionUsage ToUsage(Domain.Usage.TokenUsage usage) => new()
    {
        PromptTokens = usage.PromptTokens,
        CompletionTokens = usage.CompletionTokens,
        TotalTokens = usage.TotalTokens,
        PromptTokensDetails = new V1.PromptTokensDetails { CachedTokens = usage.CachedPromptTokens },
    };

    private static V1.ToolCall ToWire(ToolCall call) => new()
    {
        Id = call.Id,
        Type = "function",
        Function = new V1.FunctionCall { Name = call.Name, Arguments = call.Arguments },
    };

    private static V1.ToolCallChunk ToWire(ToolCallDelta delta)
    {
        var chunk = new V1.ToolCallChunk { Index = delta.Index, Function = new V1.FunctionCallChunk() };
        if (delta.Id is not null)
        {
            chunk.Id = delta.Id;
            chunk.Type = "function";
        }

        if (delta.Name is not null)
        {
            chunk.Function.Name = delta.Name;
        }

        if (delta.ArgumentsDelta is not null)
        {
            chunk.Function.Arguments = delta.ArgumentsDelta;
        }

        return chunk;
    }

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

    private static RequestValidationException Shape(string field, string message) => new([new FieldViolation(field, message)]);

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
