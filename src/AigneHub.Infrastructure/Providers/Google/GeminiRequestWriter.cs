namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// Writes the body of <c>models/{model}:generateContent</c> and <c>:streamGenerateContent</c> (a
/// <c>GenerateContentRequest</c>) without reflection. System and developer messages become
/// <c>systemInstruction</c>; the rest become <c>contents</c> turns of role "user" or "model", and consecutive messages
/// of one role share a turn, because Gemini expects the two roles to alternate. Tools become
/// <c>tools[].functionDeclarations</c> and <c>toolConfig.functionCallingConfig</c>; assistant tool calls become
/// <c>functionCall</c> parts of a "model" turn and tool results <c>functionResponse</c> parts of a "user" turn;
/// response formats become Gemini's JSON mode (<c>responseMimeType</c>, <c>responseJsonSchema</c>).
/// </summary>
internal static partial class GeminiRequestWriter
{
    /// <summary>Gemini's name for a turn written by the model; everything the caller and tools say is "user".</summary>
    private const string ModelRole = "model";
    private const string UserRole = "user";

    /// <summary>
    /// The key under which a tool result that is not a JSON object goes into <c>functionResponse.response</c> (which
    /// must be an object): Gemini's FunctionResponse reference names "output" as the key for a function's output.
    /// </summary>
    private const string ToolOutputKey = "output";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The body goes to an API, never into HTML: escaping non-ASCII text would only make prompts larger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <exception cref="UpstreamException">
    /// A message holds content Gemini cannot take (<see cref="ErrorKind.UpstreamRejected"/>, nothing was sent).
    /// </exception>
    public static void Write(IBufferWriter<byte> output, ProviderChatRequest request, string provider)
    {
        ChatFieldRefusal.RefuseUnsupported(request.Settings, "Gemini's generateContent API", MappedChatFields.ReasoningEffort | MappedChatFields.Penalties);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        WriteSystemInstruction(writer, request.Messages);
        WriteContents(writer, request.Messages, provider);
        WriteTools(writer, request.Settings, provider);
        WriteGenerationConfig(writer, request.Settings, provider);
        writer.WriteEndObject();
    }

    private static void WriteSystemInstruction(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages)
    {
        var started = false;
        foreach (var message in messages)
        {
            if (message.Role is not (ChatRole.System or ChatRole.Developer))
            {
                continue;
            }

            var text = message.PlainText();
            if (text.Length == 0)
            {
                continue;
            }

            if (!started)
            {
                // Gemini has one system instruction per request: instructions from anywhere in the conversation
                // are gathered there, in order, one part each.
                writer.WriteStartObject("systemInstruction"u8);
                writer.WriteStartArray("parts"u8);
                started = true;
            }

            writer.WriteStartObject();
            writer.WriteString("text"u8, text);
            writer.WriteEndObject();
        }

        if (started)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    private static void WriteContents(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, string provider)
    {
        writer.WriteStartArray("contents"u8);
        string? openRole = null;
        foreach (var message in messages)
        {
            if (message.Role is ChatRole.System or ChatRole.Developer || !HasParts(message))
            {
                continue;
            }

            var role = message.Role == ChatRole.Assistant ? ModelRole : UserRole;
            if (!string.Equals(role, openRole, StringComparison.Ordinal))
            {
                if (openRole is not null)
                {
                    EndTurn(writer);
                }

                writer.WriteStartObject();
                writer.WriteString("role"u8, role);
                writer.WriteStartArray("parts"u8);
                openRole = role;
            }

            WriteParts(writer, messages, message, provider);
        }

        if (openRole is not null)
        {
            EndTurn(writer);
        }

        writer.WriteEndArray();
    }

    private static void EndTurn(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Whether the message yields at least one part. Gemini refuses a turn without parts and an empty text part, so
    /// such messages (an empty string, no content and no tool calls) are left out.
    /// </summary>
    private static bool HasParts(ChatMessage message)
    {
        if (message.Role == ChatRole.Tool || message.ToolCalls is not null)
        {
            return true;
        }

        if (message.Text is { } text)
        {
            return text.Length > 0;
        }

        return message.Parts is { } parts && parts.Any(p => p is ImagePart || (p is TextPart t && t.Text.Length > 0));
    }

    private static void WriteParts(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, ChatMessage message, string provider)
    {
        if (message.Role == ChatRole.Tool)
        {
            WriteFunctionResponse(writer, messages, message, provider);
            return;
        }

        WriteContentParts(writer, message, provider);
        foreach (var call in message.ToolCalls ?? [])
        {
            WriteFunctionCall(writer, call, provider);
        }
    }

    private static void WriteContentParts(Utf8JsonWriter writer, ChatMessage message, string provider)
    {
        if (message.Text is { } text)
        {
            // An assistant message that carries tool calls may come with empty text; Gemini refuses an empty part.
            if (text.Length > 0)
            {
                WriteTextPart(writer, text);
            }

            return;
        }

        foreach (var part in message.Parts ?? [])
        {
            switch (part)
            {
                case TextPart { Text.Length: > 0 } textPart:
                    WriteTextPart(writer, textPart.Text);
                    break;
                case TextPart:
                    break;
                case ImagePart image:
                    WriteImagePart(writer, image.Url, provider);
                    break;
                default:
                    throw Unsupported(provider, $"The {provider} provider cannot take a {part.GetType().Name} content part.");
            }
        }
    }

    private static void WriteGenerationConfig(Utf8JsonWriter writer, ChatSettings settings, string provider)
    {
        var hasStop = settings.Stop is { Count: > 0 };
        var format = settings.ResponseFormat is { Kind: not ResponseFormatKind.Text } f ? f : null;
        if (settings.Temperature is null && settings.TopP is null && settings.MaxTokens is null && !hasStop && format is null
            && settings.Seed is null && settings.PresencePenalty is null && settings.FrequencyPenalty is null && settings.ReasoningEffort is null)
        {
            return;
        }

        writer.WriteStartObject("generationConfig"u8);
        if (settings.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (settings.TopP is { } topP)
        {
            writer.WriteNumber("topP"u8, topP);
        }

        if (settings.MaxTokens is { } maxTokens)
        {
            writer.WriteNumber("maxOutputTokens"u8, maxTokens);
        }

        if (hasStop)
        {
            writer.WriteStartArray("stopSequences"u8);
            foreach (var sequence in settings.Stop!)
            {
                writer.WriteStringValue(sequence);
            }

            writer.WriteEndArray();
        }

        // No candidateCount: providers always get one choice; several (n) are separate calls (ChoiceFanOut).
        if (settings.Seed is { } seed)
        {
            writer.WriteNumber("seed"u8, seed);
        }

        if (settings.PresencePenalty is { } presencePenalty)
        {
            writer.WriteNumber("presencePenalty"u8, presencePenalty);
        }

        if (settings.FrequencyPenalty is { } frequencyPenalty)
        {
            writer.WriteNumber("frequencyPenalty"u8, frequencyPenalty);
        }

        if (settings.ReasoningEffort is { } effort)
        {
            writer.WriteStartObject("thinkingConfig"u8);
            writer.WriteNumber("thinkingBudget"u8, ThinkingBudget(effort));
            writer.WriteEndObject();
        }

        if (format is not null)
        {
            // Gemini's JSON mode: json_object is the MIME type alone, json_schema adds the schema as JSON Schema
            // (responseJsonSchema, not the OpenAPI-subset responseSchema, for the same reason as tool parameters).
            // The schema's name, description and strict flag have no place in Gemini's request and are not sent.
            writer.WriteString("responseMimeType"u8, "application/json");
            if (format is { Kind: ResponseFormatKind.JsonSchema, SchemaJson: { } schemaJson })
            {
                writer.WritePropertyName("responseJsonSchema"u8);
                WriteSchema(writer, schemaJson, provider, "response_format.json_schema.schema");
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// OpenAI's reasoning_effort as Gemini's thinking budget in tokens: none 0 (no thinking; models that always think
    /// refuse it upstream), minimal 512, low 1024, medium 8192, high 24576 (the largest 2.5 Flash takes), xhigh 32768.
    /// </summary>
    private static int ThinkingBudget(string effort) => effort switch
    {
        "none" => 0,
        "minimal" => 512,
        "low" => 1024,
        "medium" => 8192,
        "high" => 24576,
        _ => 32768,
    };

    /// <summary>An id as an error message quotes it: ids that carry a thought signature can be kilobytes long.</summary>
    private static string Short(string? id) => id is null ? string.Empty : id.Length <= 64 ? id : id[..64] + "…";

    private static UpstreamException Unsupported(string provider, string message) =>
        new(ErrorKind.UpstreamRejected, provider, message);
}
