namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>
/// Writes the body of Bedrock's Converse and ConverseStream requests (the same shape for both; the path says which).
/// System and developer messages become <c>system</c> blocks, an assistant's tool calls become <c>toolUse</c> blocks,
/// tool answers become <c>toolResult</c> blocks of a user turn, and consecutive messages of one role become one turn,
/// because Converse requires the roles to alternate. Tools go to <c>toolConfig</c>, a JSON schema response format to
/// <c>outputConfig.textFormat</c> (Bedrock's structured outputs); JSON mode without a schema, which Converse lacks,
/// becomes a system instruction.
/// </summary>
internal static partial class BedrockConverseRequestWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The body goes to an API, never into HTML: escaping non-ASCII text would only make prompts larger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// What the hub tells the model when the caller asked for JSON mode (<c>response_format: json_object</c>): Converse
    /// has no JSON mode without a schema, and a forced tool would turn every answer into a tool call, which models
    /// without <c>toolChoice</c> support reject. An instruction is the one approach every Converse model takes; it is
    /// best effort, as OpenAI's own JSON mode also needs the prompt to ask for JSON.
    /// </summary>
    public const string JsonObjectInstruction =
        "Reply with one valid JSON object and nothing else: no text before or after it and no Markdown code fences.";

    /// <exception cref="NotSupportedException">
    /// A message holds content Converse cannot take (an image that is not a base64 data: URL of a format Bedrock
    /// reads, tool-call arguments or a schema that is not a JSON object). The message never quotes the content.
    /// </exception>
    public static void Write(IBufferWriter<byte> output, ProviderChatRequest request)
    {
        ChatFieldRefusal.RefuseUnsupported(request.Settings, "Bedrock's Converse API", MappedChatFields.None);
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        WriteMessages(writer, request.Messages);
        WriteSystem(writer, request.Messages, request.Settings.ResponseFormat);
        WriteInferenceConfig(writer, request.Settings);
        WriteToolConfig(writer, request.Settings, request.Messages);
        WriteOutputConfig(writer, request.Settings.ResponseFormat);
        writer.WriteEndObject();
    }

    private static void WriteSystem(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, ResponseFormat? responseFormat)
    {
        var started = false;
        void Block(string text)
        {
            if (!started)
            {
                writer.WriteStartArray("system"u8);
                started = true;
            }

            writer.WriteStartObject();
            writer.WriteString("text"u8, text);
            writer.WriteEndObject();
        }

        foreach (var message in messages)
        {
            if (message.Role is (ChatRole.System or ChatRole.Developer) && message.PlainText() is { Length: > 0 } text)
            {
                Block(text);
            }
        }

        if (responseFormat is { Kind: ResponseFormatKind.JsonObject })
        {
            Block(JsonObjectInstruction);
        }

        if (started)
        {
            writer.WriteEndArray();
        }
    }

    /// <summary>
    /// <c>outputConfig.textFormat</c> for <c>response_format: json_schema</c>: Bedrock's structured outputs, which
    /// constrain the answer's text to the schema (sent as JSON text, as Converse wants it). The answer stays text, so
    /// nothing changes on the way back. Models without structured-output support answer Bedrock's validation error,
    /// relayed as a 400.
    /// </summary>
    private static void WriteOutputConfig(Utf8JsonWriter writer, ResponseFormat? format)
    {
        if (format is not { Kind: ResponseFormatKind.JsonSchema, SchemaJson: { } schema })
        {
            return;
        }

        EnsureJsonObject(schema, "response_format.json_schema.schema is not a JSON object");
        writer.WriteStartObject("outputConfig"u8);
        writer.WriteStartObject("textFormat"u8);
        writer.WriteString("type"u8, "json_schema");
        writer.WriteStartObject("structure"u8);
        writer.WriteStartObject("jsonSchema"u8);
        writer.WriteString("schema"u8, schema);
        if (format.SchemaName is { Length: > 0 } name)
        {
            writer.WriteString("name"u8, name);
        }

        if (format.Description is { Length: > 0 } description)
        {
            writer.WriteString("description"u8, description);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Copies JSON text that must be an object (a schema, tool-call arguments) into the body as JSON.</summary>
    private static void WriteJsonObject(Utf8JsonWriter writer, string json, string failure)
    {
        using var document = ParseObject(json, failure);
        document.RootElement.WriteTo(writer);
    }

    private static void EnsureJsonObject(string json, string failure)
    {
        using var document = ParseObject(json, failure);
    }

    private static JsonDocument ParseObject(string json, string failure)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            throw new NotSupportedException(failure + ".");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new NotSupportedException(failure + ".");
        }

        return document;
    }

    private static void WriteInferenceConfig(Utf8JsonWriter writer, Application.Chat.ChatSettings settings)
    {
        if (settings.MaxTokens is null && settings.Temperature is null && settings.TopP is null && settings.Stop is not { Count: > 0 })
        {
            return;
        }

        writer.WriteStartObject("inferenceConfig"u8);
        if (settings.MaxTokens is { } maxTokens)
        {
            writer.WriteNumber("maxTokens"u8, maxTokens);
        }

        if (settings.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (settings.TopP is { } topP)
        {
            writer.WriteNumber("topP"u8, topP);
        }

        if (settings.Stop is { Count: > 0 } stop)
        {
            writer.WriteStartArray("stopSequences"u8);
            foreach (var sequence in stop)
            {
                writer.WriteStringValue(sequence);
            }

            writer.WriteEndArray();
        }

        // n, seed, user and the penalties have no Converse counterpart: sending them would get the call rejected.
        writer.WriteEndObject();
    }

    private static void WriteMessages(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages)
    {
        writer.WriteStartArray("messages"u8);
        ChatRole? openTurn = null;
        for (var position = 0; position < messages.Count; position++)
        {
            var message = messages[position];
            var turn = ConversationTurns.TurnOf(message.Role);
            if (turn is null || !HasBlocks(message))
            {
                continue;
            }

            ConversationTurns.Enter(writer, ref openTurn, turn.Value);

            if (message.Role == ChatRole.Tool && message.ToolCallId is not null)
            {
                WriteToolResult(writer, message);
            }
            else
            {
                WriteContent(writer, message);
                if (message.Role == ChatRole.Assistant && message.ToolCalls is { } calls)
                {
                    for (var i = 0; i < calls.Count; i++)
                    {
                        WriteToolUse(writer, calls[i], $"messages[{position}].tool_calls[{i}]");
                    }
                }
            }
        }

        ConversationTurns.Close(writer, openTurn);
        writer.WriteEndArray();
    }

    private static void WriteContent(Utf8JsonWriter writer, ChatMessage message)
    {
        if (message.Text is { } text)
        {
            if (text.Length > 0)
            {
                WriteText(writer, text);
            }

            return;
        }

        foreach (var part in message.Parts ?? [])
        {
            switch (part)
            {
                case TextPart { Text.Length: > 0 } textPart:
                    WriteText(writer, textPart.Text);
                    break;
                case ImagePart image:
                    WriteImage(writer, image);
                    break;
            }
        }
    }

    /// <summary>
    /// A <c>toolUse</c> block: the call's id and name, and its arguments, which OpenAI carries as JSON text and
    /// Converse as a JSON object (empty arguments are an empty object).
    /// </summary>
    private static void WriteToolUse(Utf8JsonWriter writer, ToolCall call, string where)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("toolUse"u8);
        writer.WriteString("toolUseId"u8, call.Id);
        writer.WriteString("name"u8, call.Name);
        writer.WritePropertyName("input"u8);
        if (string.IsNullOrWhiteSpace(call.Arguments))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            WriteJsonObject(writer, call.Arguments, $"{where}.function.arguments is not a JSON object");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// A <c>toolResult</c> block answering the call with the same id: the result's text (one <c>text</c> block, as
    /// OpenAI's tool results are text) and any images it carries.
    /// </summary>
    private static void WriteToolResult(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("toolResult"u8);
        writer.WriteString("toolUseId"u8, message.ToolCallId);
        writer.WriteStartArray("content"u8);
        var images = message.Parts?.OfType<ImagePart>().ToList() ?? [];
        var text = message.PlainText();
        if (text.Length > 0 || images.Count == 0)
        {
            // A result may be empty text; beside images, an empty text block would only be refused.
            writer.WriteStartObject();
            writer.WriteString("text"u8, text);
            writer.WriteEndObject();
        }

        foreach (var image in images)
        {
            WriteImage(writer, image);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>Converse rejects empty text blocks and empty turns; an assistant message may hold only tool calls.</summary>
    private static bool HasBlocks(ChatMessage message)
    {
        if ((message.Role == ChatRole.Tool && message.ToolCallId is not null) || message.ToolCalls is not null)
        {
            return true;
        }

        if (message.Text is { } text)
        {
            return text.Length > 0;
        }

        return message.Parts is { } parts && parts.Any(static part => part is ImagePart || part is TextPart { Text.Length: > 0 });
    }

    private static void WriteText(Utf8JsonWriter writer, string text)
    {
        writer.WriteStartObject();
        writer.WriteString("text"u8, text);
        writer.WriteEndObject();
    }

    /// <summary>An image block: Converse takes the bytes inline (base64 in JSON) and a format, never a URL.</summary>
    private static void WriteImage(Utf8JsonWriter writer, ImagePart image)
    {
        const string Prefix = "data:image/";
        const string Base64Marker = ";base64,";
        var url = image.Url;
        var marker = url.IndexOf(Base64Marker, StringComparison.OrdinalIgnoreCase);
        if (!url.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || marker < 0)
        {
            throw new NotSupportedException("Bedrock takes images only as base64 data: URLs, not by address.");
        }

        var format = url[Prefix.Length..marker].ToLowerInvariant() switch
        {
            "png" => "png",
            "jpeg" or "jpg" => "jpeg",
            "gif" => "gif",
            "webp" => "webp",
            _ => throw new NotSupportedException("Bedrock takes only png, jpeg, gif and webp images."),
        };

        writer.WriteStartObject();
        writer.WriteStartObject("image"u8);
        writer.WriteString("format"u8, format);
        writer.WriteStartObject("source"u8);
        writer.WriteString("bytes"u8, url.AsSpan(marker + Base64Marker.Length));
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
