namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>Writes the body of <c>POST /chat/completions</c> (OpenAI's Chat Completions request) without reflection.</summary>
internal static class OpenAIChatRequestWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The body goes to an API, never into HTML: escaping non-ASCII text would only make prompts larger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <param name="maxCompletionTokens">Whether the output limit is named <c>max_completion_tokens</c> (OpenAI) rather than <c>max_tokens</c>.</param>
    public static void Write(IBufferWriter<byte> output, ProviderChatRequest request, bool stream, bool maxCompletionTokens = false)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("model"u8, request.Model);

        writer.WriteStartArray("messages"u8);
        foreach (var message in request.Messages)
        {
            WriteMessage(writer, message);
        }

        writer.WriteEndArray();

        var settings = request.Settings;
        if (settings.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (settings.TopP is { } topP)
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        if (settings.MaxTokens is { } maxTokens)
        {
            writer.WriteNumber(maxCompletionTokens ? "max_completion_tokens"u8 : "max_tokens"u8, maxTokens);
        }

        if (settings.Stop is { } stop)
        {
            writer.WriteStartArray("stop"u8);
            foreach (var sequence in stop)
            {
                writer.WriteStringValue(sequence);
            }

            writer.WriteEndArray();
        }

        if (settings.N is { } n)
        {
            writer.WriteNumber("n"u8, n);
        }

        if (settings.Seed is { } seed)
        {
            writer.WriteNumber("seed"u8, seed);
        }

        if (settings.User is { } user)
        {
            writer.WriteString("user"u8, user);
        }

        if (settings.PresencePenalty is { } presencePenalty)
        {
            writer.WriteNumber("presence_penalty"u8, presencePenalty);
        }

        if (settings.FrequencyPenalty is { } frequencyPenalty)
        {
            writer.WriteNumber("frequency_penalty"u8, frequencyPenalty);
        }

        if (settings.Tools is { } tools)
        {
            WriteTools(writer, tools);
        }

        if (settings.ToolChoice is { } toolChoice)
        {
            WriteToolChoice(writer, toolChoice);
        }

        if (settings.ParallelToolCalls is { } parallel)
        {
            writer.WriteBoolean("parallel_tool_calls"u8, parallel);
        }

        if (settings.ResponseFormat is { } format)
        {
            WriteResponseFormat(writer, format);
        }

        WriteOpenAIOnlyFields(writer, settings);

        if (stream)
        {
            writer.WriteBoolean("stream"u8, true);

            // Always: the hub bills by the usage that only this final chunk carries.
            writer.WriteStartObject("stream_options"u8);
            writer.WriteBoolean("include_usage"u8, true);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// The fields only the OpenAI protocol has a word for, sent on as the caller wrote them (docs/api.md, "Chat fields
    /// by provider"); the other protocols map or refuse them.
    /// </summary>
    private static void WriteOpenAIOnlyFields(Utf8JsonWriter writer, ChatSettings settings)
    {
        WriteOptionalString(writer, "reasoning_effort"u8, settings.ReasoningEffort);
        WriteOptionalString(writer, "verbosity"u8, settings.Verbosity);
        WriteOptionalString(writer, "service_tier"u8, settings.ServiceTier);
        if (settings.Logprobs is { } logprobs)
        {
            writer.WriteBoolean("logprobs"u8, logprobs);
        }

        if (settings.TopLogprobs is { } topLogprobs)
        {
            writer.WriteNumber("top_logprobs"u8, topLogprobs);
        }

        if (settings.LogitBias is { } bias)
        {
            writer.WriteStartObject("logit_bias"u8);
            foreach (var (token, value) in bias)
            {
                writer.WriteNumber(token, value);
            }

            writer.WriteEndObject();
        }

        if (settings.Store is { } store)
        {
            writer.WriteBoolean("store"u8, store);
        }

        if (settings.Metadata is { } metadata)
        {
            writer.WriteStartObject("metadata"u8);
            foreach (var (key, value) in metadata)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        WriteOptionalRaw(writer, "prediction"u8, settings.PredictionJson);
        if (settings.Modalities is { } modalities)
        {
            writer.WriteStartArray("modalities"u8);
            foreach (var modality in modalities)
            {
                writer.WriteStringValue(modality);
            }

            writer.WriteEndArray();
        }

        WriteOptionalRaw(writer, "web_search_options"u8, settings.WebSearchOptionsJson);
        WriteOptionalString(writer, "prompt_cache_key"u8, settings.PromptCacheKey);
        WriteOptionalString(writer, "prompt_cache_retention"u8, settings.PromptCacheRetention);
        WriteOptionalString(writer, "safety_identifier"u8, settings.SafetyIdentifier);
    }

    private static void WriteOptionalString(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteOptionalRaw(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? json)
    {
        if (json is not null)
        {
            writer.WritePropertyName(name);
            writer.WriteRawValue(json);
        }
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, RoleName(message.Role));

        if (message.Text is { } text)
        {
            writer.WriteString("content"u8, text);
        }
        else if (message.Parts is { } parts)
        {
            writer.WriteStartArray("content"u8);
            foreach (var part in parts)
            {
                WritePart(writer, part);
            }

            writer.WriteEndArray();
        }
        else
        {
            writer.WriteNull("content"u8);
        }

        if (message.Name is { } name)
        {
            writer.WriteString("name"u8, name);
        }

        if (message.ToolCallId is { } toolCallId)
        {
            writer.WriteString("tool_call_id"u8, toolCallId);
        }

        if (message.ToolCalls is { } calls)
        {
            writer.WriteStartArray("tool_calls"u8);
            foreach (var call in calls)
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, call.Id);
                writer.WriteString("type"u8, "function"u8);
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, call.Name);
                writer.WriteString("arguments"u8, call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter writer, IReadOnlyList<ToolDefinition> tools)
    {
        writer.WriteStartArray("tools"u8);
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "function"u8);
            writer.WriteStartObject("function"u8);
            writer.WriteString("name"u8, tool.Name);
            if (tool.Description is { } description)
            {
                writer.WriteString("description"u8, description);
            }

            if (tool.ParametersJson is { } parameters)
            {
                writer.WritePropertyName("parameters"u8);
                writer.WriteRawValue(parameters);
            }

            if (tool.Strict is { } strict)
            {
                writer.WriteBoolean("strict"u8, strict);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, ToolChoice choice)
    {
        switch (choice.Mode)
        {
            case ToolChoiceMode.Auto:
                writer.WriteString("tool_choice"u8, "auto"u8);
                break;
            case ToolChoiceMode.None:
                writer.WriteString("tool_choice"u8, "none"u8);
                break;
            case ToolChoiceMode.Required:
                writer.WriteString("tool_choice"u8, "required"u8);
                break;
            case ToolChoiceMode.Function:
                writer.WriteStartObject("tool_choice"u8);
                writer.WriteString("type"u8, "function"u8);
                writer.WriteStartObject("function"u8);
                writer.WriteString("name"u8, choice.FunctionName);
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(choice), choice.Mode, "Unknown tool choice.");
        }
    }

    private static void WriteResponseFormat(Utf8JsonWriter writer, ResponseFormat format)
    {
        writer.WriteStartObject("response_format"u8);
        switch (format.Kind)
        {
            case ResponseFormatKind.Text:
                writer.WriteString("type"u8, "text"u8);
                break;
            case ResponseFormatKind.JsonObject:
                writer.WriteString("type"u8, "json_object"u8);
                break;
            case ResponseFormatKind.JsonSchema:
                writer.WriteString("type"u8, "json_schema"u8);
                writer.WriteStartObject("json_schema"u8);
                writer.WriteString("name"u8, format.SchemaName);
                if (format.Description is { } description)
                {
                    writer.WriteString("description"u8, description);
                }

                if (format.SchemaJson is { } schema)
                {
                    writer.WritePropertyName("schema"u8);
                    writer.WriteRawValue(schema);
                }

                if (format.Strict is { } strict)
                {
                    writer.WriteBoolean("strict"u8, strict);
                }

                writer.WriteEndObject();
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format.Kind, "Unknown response format.");
        }

        writer.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter writer, ContentPart part)
    {
        writer.WriteStartObject();
        switch (part)
        {
            case TextPart text:
                writer.WriteString("type"u8, "text"u8);
                writer.WriteString("text"u8, text.Text);
                break;
            case ImagePart image:
                writer.WriteString("type"u8, "image_url"u8);
                writer.WriteStartObject("image_url"u8);
                writer.WriteString("url"u8, image.Url);
                if (image.Detail is { } detail)
                {
                    writer.WriteString("detail"u8, detail);
                }

                writer.WriteEndObject();
                break;
            default:
                throw new NotSupportedException($"Content part {part.GetType().Name} has no OpenAI representation.");
        }

        writer.WriteEndObject();
    }

    private static ReadOnlySpan<byte> RoleName(ChatRole role) => role switch
    {
        ChatRole.System => "system"u8,
        ChatRole.Developer => "developer"u8,
        ChatRole.User => "user"u8,
        ChatRole.Assistant => "assistant"u8,
        ChatRole.Tool => "tool"u8,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown chat role."),
    };
}
