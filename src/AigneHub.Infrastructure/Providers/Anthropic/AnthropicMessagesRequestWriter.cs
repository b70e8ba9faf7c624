namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>
/// Writes the body of <c>POST /v1/messages</c> (Anthropic's Messages request) without reflection. The hub's
/// conversation is OpenAI-shaped, so the writer reshapes it: system and developer messages become the top-level
/// <c>system</c> prompt, tool answers become <c>tool_result</c> blocks of a user turn, and consecutive messages of one
/// role become one turn, because Anthropic requires user and assistant turns to alternate. Assistant tool calls become
/// <c>tool_use</c> blocks, tools their declarations with an <c>input_schema</c>, and a JSON <c>response_format</c> the
/// answer tool (<see cref="AnthropicJsonAnswerTool"/>).
/// </summary>
internal static partial class AnthropicMessagesRequestWriter
{
    private const string SystemSeparator = "\n\n";

    private const string Protocol = "Anthropic's Messages API";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // The body goes to an API, never into HTML: escaping non-ASCII text would only make prompts larger.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <param name="answerTool">The answer tool's name (<see cref="AnthropicJsonAnswerTool.NameFor"/>); null when none.</param>
    /// <exception cref="NotSupportedException">
    /// The request holds something Anthropic cannot take (an image that is neither an http(s) nor a data: URL, tool
    /// call arguments or a schema that is not a JSON object). The message is safe to show: it never quotes the content.
    /// </exception>
    public static void Write(IBufferWriter<byte> output, ProviderChatRequest request, int defaultMaxTokens, bool stream, string? answerTool)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("model"u8, request.Model);

        var settings = request.Settings;
        ChatFieldRefusal.RefuseUnsupported(settings, Protocol, MappedChatFields.ReasoningEffort);
        var maxTokens = settings.MaxTokens ?? defaultMaxTokens;
        var thinkingBudget = ThinkingBudget(request, maxTokens, answerTool);
        writer.WriteNumber("max_tokens"u8, maxTokens);

        if (SystemPrompt(request.Messages) is { } system)
        {
            writer.WriteString("system"u8, system);
        }

        WriteMessages(writer, request.Messages);
        WriteTools(writer, settings, answerTool);

        if (settings.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature"u8, temperature);
        }

        if (settings.TopP is { } topP)
        {
            writer.WriteNumber("top_p"u8, topP);
        }

        if (settings.Stop is { Count: > 0 } stop)
        {
            writer.WriteStartArray("stop_sequences"u8);
            foreach (var sequence in stop)
            {
                writer.WriteStringValue(sequence);
            }

            writer.WriteEndArray();
        }

        if (settings.User is { } user)
        {
            writer.WriteStartObject("metadata"u8);
            writer.WriteString("user_id"u8, user);
            writer.WriteEndObject();
        }

        if (thinkingBudget is { } budget)
        {
            writer.WriteStartObject("thinking"u8);
            writer.WriteString("type"u8, "enabled"u8);
            writer.WriteNumber("budget_tokens"u8, budget);
            writer.WriteEndObject();
        }

        // n is answered by one call per choice; seed has no Anthropic counterpart and, being a best-effort hint, is not
        // refused; non-zero penalties are (ChatFieldRefusal).
        if (stream)
        {
            writer.WriteBoolean("stream"u8, true);
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// OpenAI's reasoning_effort as Anthropic's extended thinking budget (minimal 1024 tokens, low 2048, medium 8192,
    /// high 16384, xhigh 32768), kept below max_tokens, which counts the thinking too; null for none or no effort.
    /// Thinking is left off for a turn that continues a tool call: Anthropic then wants the earlier thinking blocks
    /// back, which an OpenAI-shaped conversation does not carry.
    /// </summary>
    /// <exception cref="RequestValidationException">The request holds what Anthropic does not take with thinking.</exception>
    private static int? ThinkingBudget(ProviderChatRequest request, int maxTokens, string? answerTool)
    {
        var settings = request.Settings;
        if (settings.ReasoningEffort is null or "none" || ContinuesToolCall(request.Messages))
        {
            return null;
        }

        const int MinimumBudget = 1024;
        string? conflict = settings switch
        {
            _ when maxTokens <= MinimumBudget => "max_tokens must be above 1024 with reasoning_effort: Anthropic's thinking budget is at least 1024 tokens and max_tokens counts it",
            { Temperature: not null and not 1 } => "temperature cannot be set with reasoning_effort: Anthropic does not take it with thinking",
            { TopP: < 0.95 } => "top_p must be at least 0.95 with reasoning_effort: Anthropic does not take a lower one with thinking",
            { ToolChoice.Mode: ToolChoiceMode.Required or ToolChoiceMode.Function } => "tool_choice must be 'auto' or 'none' with reasoning_effort: Anthropic does not force a tool with thinking",
            _ when answerTool is not null => "response_format json_object or json_schema cannot be used with reasoning_effort on Anthropic: the hub forces its answer tool, which Anthropic does not take with thinking",
            _ => null,
        };
        if (conflict is not null)
        {
            throw new RequestValidationException([new FieldViolation("reasoning_effort", conflict)]);
        }

        var budget = settings.ReasoningEffort switch
        {
            "minimal" => MinimumBudget,
            "low" => 2048,
            "medium" => 8192,
            "high" => 16384,
            _ => 32768,
        };
        return Math.Min(budget, maxTokens - 1);
    }

    private static bool ContinuesToolCall(IReadOnlyList<ChatMessage> messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == ChatRole.Assistant)
            {
                return messages[i].ToolCalls is { Count: > 0 };
            }
        }

        return false;
    }

    /// <summary>The text of every system and developer message, in order; null when there is none.</summary>
    private static string? SystemPrompt(IReadOnlyList<ChatMessage> messages)
    {
        string? single = null;
        StringBuilder? joined = null;
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

            if (single is null)
            {
                single = text;
                continue;
            }

            joined ??= new StringBuilder(single);
            joined.Append(SystemSeparator).Append(text);
        }

        return joined?.ToString() ?? single;
    }

    private static void WriteMessages(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages)
    {
        writer.WriteStartArray("messages"u8);
        ChatRole? openTurn = null;
        foreach (var message in messages)
        {
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
                WriteBlocks(writer, message);
            }
        }

        ConversationTurns.Close(writer, openTurn);
        writer.WriteEndArray();
    }

    /// <summary>
    /// Whether the message yields at least one content block. Anthropic rejects empty text blocks, and an assistant
    /// message that only carried tool calls arrives here without content: such messages are left out.
    /// </summary>
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

        return message.Parts is { } parts && HasBlocks(parts);
    }

    private static bool HasBlocks(IReadOnlyList<ContentPart> parts) =>
        parts.Any(static part => part is ImagePart || part is TextPart { Text.Length: > 0 });

    private static void WriteToolResult(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "tool_result"u8);
        writer.WriteString("tool_use_id"u8, message.ToolCallId);
        if (message.Text is { Length: > 0 } text)
        {
            writer.WriteString("content"u8, text);
        }
        else if (message.Parts is { } parts && HasBlocks(parts))
        {
            writer.WriteStartArray("content"u8);
            WriteBlocks(writer, message);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteBlocks(Utf8JsonWriter writer, ChatMessage message)
    {
        if (message.Text is { Length: > 0 } text)
        {
            WriteTextBlock(writer, text);
        }

        foreach (var part in message.Parts ?? [])
        {
            switch (part)
            {
                case TextPart { Text.Length: > 0 } textPart:
                    WriteTextBlock(writer, textPart.Text);
                    break;
                case TextPart:
                    break;
                case ImagePart image:
                    WriteImageBlock(writer, image);
                    break;
                default:
                    throw new NotSupportedException($"Content part {part.GetType().Name} has no Anthropic representation.");
            }
        }

        foreach (var call in message.ToolCalls ?? [])
        {
            WriteToolUseBlock(writer, call);
        }
    }

    /// <summary>
    /// Writes <c>input_schema</c>: a JSON Schema that describes an object, as Anthropic requires of a tool's input. A
    /// schema without a <c>type</c> is read as an object's (as OpenAI reads function parameters); a function without
    /// parameters takes an empty object; a schema of another type cannot describe a tool's input and is refused.
    /// </summary>
    /// <param name="what">Names the schema in the refusal.</param>
    private static void WriteObjectSchema(Utf8JsonWriter writer, string? schemaJson, string what)
    {
        writer.WritePropertyName("input_schema"u8);
        if (string.IsNullOrWhiteSpace(schemaJson))
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "object"u8);
            writer.WriteStartObject("properties"u8);
            writer.WriteEndObject();
            writer.WriteEndObject();
            return;
        }

        JsonDocument schema;
        try
        {
            schema = JsonDocument.Parse(schemaJson);
        }
        catch (JsonException)
        {
            throw new NotSupportedException($"{what} is not valid JSON.");
        }

        using (schema)
        {
            var root = schema.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new NotSupportedException($"{what} is not a JSON Schema object.");
            }

            if (root.TryGetProperty("type"u8, out var type))
            {
                if (type.ValueKind != JsonValueKind.String || !type.ValueEquals("object"u8))
                {
                    throw new NotSupportedException($"{what} must describe an object (\"type\": \"object\"): Anthropic takes a tool's input as a JSON object.");
                }

                root.WriteTo(writer);
                return;
            }

            writer.WriteStartObject();
            writer.WriteString("type"u8, "object"u8);
            foreach (var property in root.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }
    }
}
