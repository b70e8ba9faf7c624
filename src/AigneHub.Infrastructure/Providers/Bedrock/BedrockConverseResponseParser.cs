namespace AigneHub.Infrastructure.Providers.Bedrock;

/// <summary>A Bedrock error: its type (without the namespace or URL AWS may add) and message, both unscrubbed.</summary>
internal sealed record BedrockError(string? Type, string? Message)
{
    /// <summary>
    /// The type from <c>x-amzn-ErrorType</c> ("ValidationException:http://internal.amazon.com/coral/…") or the body's
    /// <c>__type</c> ("com.amazon.coral.service#UnrecognizedClientException"), reduced to its bare name.
    /// </summary>
    public static string? BareType(string? type)
    {
        if (string.IsNullOrWhiteSpace(type))
        {
            return null;
        }

        var colon = type.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            type = type[..colon];
        }

        var hash = type.LastIndexOf('#');
        return (hash >= 0 ? type[(hash + 1)..] : type).Trim();
    }

    /// <summary>Whether this is the named type; stream exceptions are camelCase, HTTP ones PascalCase.</summary>
    public bool Is(string name) => string.Equals(Type, name, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Reads Bedrock's Converse answers and error bodies, and the payloads of ConverseStream events. Text blocks become
/// the content and <c>toolUse</c> blocks the tool calls; unknown fields and other content blocks (reasoning) are
/// skipped; a body that is not JSON throws <see cref="JsonException"/>.
/// </summary>
internal static class BedrockConverseResponseParser
{
    public static ChatCompletion ParseConverse(ReadOnlySpan<byte> json, string id, string model, DateTimeOffset now)
    {
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("Expected an object.");
        }

        StringBuilder? content = null;
        List<ToolCall>? toolCalls = null;
        if (root.TryGetProperty("output"u8, out var output) && output.ValueKind == JsonValueKind.Object
            && output.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("content"u8, out var blocks) && blocks.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in blocks.EnumerateArray())
            {
                if (block.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (block.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String)
                {
                    (content ??= new StringBuilder()).Append(text.GetString());
                }
                else if (block.TryGetProperty("toolUse"u8, out var toolUse))
                {
                    (toolCalls ??= []).Add(ReadToolUse(toolUse));
                }
            }
        }
        else
        {
            throw new JsonException("The answer has no output message.");
        }

        var stopReason = root.TryGetProperty("stopReason"u8, out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null;
        var usage = root.TryGetProperty("usage"u8, out var usageElement) ? ReadUsage(usageElement) : default;
        return new ChatCompletion(id, now, model, content?.ToString(), FinishReason(stopReason), usage, SystemFingerprint: null, toolCalls);
    }

    /// <summary>A <c>toolUse</c> block as the hub's tool call: Bedrock's id and name, the input object as JSON text.</summary>
    private static ToolCall ReadToolUse(JsonElement toolUse)
    {
        if (toolUse.ValueKind != JsonValueKind.Object
            || !toolUse.TryGetProperty("toolUseId"u8, out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } toolUseId
            || !toolUse.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } toolName)
        {
            throw new JsonException("A toolUse block lacks its id or name.");
        }

        var arguments = toolUse.TryGetProperty("input"u8, out var input) && input.ValueKind != JsonValueKind.Null ? input.GetRawText() : "{}";
        return new ToolCall(toolUseId, toolName, arguments);
    }

    /// <summary>Bedrock's stop reasons in OpenAI's vocabulary; an unknown or absent reason is a plain stop.</summary>
    public static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => FinishReasons.Length,
        "tool_use" => FinishReasons.ToolCalls,
        "guardrail_intervened" or "content_filtered" => FinishReasons.ContentFilter,
        _ => FinishReasons.Stop,
    };

    /// <summary>
    /// The hub's usage. Bedrock's <c>inputTokens</c> leaves out the prompt tokens read from or written to the cache,
    /// so the prompt is the sum of the three; the cache reads are what the hub calls cached prompt tokens.
    /// </summary>
    public static TokenUsage ReadUsage(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        var input = Count(usage, "inputTokens"u8);
        var cacheRead = Count(usage, "cacheReadInputTokens"u8);
        var cacheWrite = Count(usage, "cacheWriteInputTokens"u8);
        var prompt = Math.Min((long)input + cacheRead + cacheWrite, int.MaxValue);
        return new TokenUsage((int)prompt, Count(usage, "outputTokens"u8), cacheRead);
    }

    /// <summary>The error in a body (<c>message</c> or <c>Message</c>, <c>__type</c>); the header's type wins.</summary>
    public static BedrockError ParseError(ReadOnlySpan<byte> body, string? headerType)
    {
        string? type = null;
        string? message = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    if (property.NameEquals("__type"u8))
                    {
                        type = property.Value.GetString();
                    }
                    else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase))
                    {
                        message = property.Value.GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A proxy's HTML page or an empty body: the status alone decides.
        }

        return new BedrockError(BedrockError.BareType(headerType) ?? BedrockError.BareType(type), message);
    }

    private static int Count(JsonElement usage, ReadOnlySpan<byte> name) =>
        usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count > 0
            ? count
            : 0;

    internal static class FinishReasons
    {
        public const string Stop = "stop";
        public const string Length = "length";
        public const string ToolCalls = "tool_calls";
        public const string ContentFilter = "content_filter";
    }
}

/// <summary>
/// Reads the events of one ConverseStream answer: <c>messageStart</c> (role), <c>contentBlockStart</c> (a
/// <c>toolUse</c> block's id and name), <c>contentBlockDelta</c> (text, or a fragment of a tool call's input JSON),
/// <c>contentBlockStop</c>, <c>messageStop</c> (stop reason) and <c>metadata</c> (usage), which follows
/// <c>messageStop</c>. Event types Bedrock may add are skipped.
/// </summary>
/// <remarks>
/// Tool calls are numbered 0, 1, … in the order their blocks start, as OpenAI numbers them, not by Bedrock's
/// <c>contentBlockIndex</c>, which counts text blocks too.
/// </remarks>
internal sealed class BedrockConverseStreamParser(string id, string model, DateTimeOffset started)
{
    private const string AssistantRole = "assistant";

    // contentBlockIndex of a toolUse block → the call's index among the answer's calls.
    private readonly Dictionary<int, int> _toolCallOfBlock = [];

    public bool SawMessageStop { get; private set; }

    public TokenUsage? Usage { get; private set; }

    public string Model => model;

    /// <exception cref="JsonException">The payload is not valid JSON.</exception>
    public ChatCompletionUpdate? Parse(string? eventType, ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("Expected an object.");
        }

        switch (eventType)
        {
            case "messageStart":
                // Content null, as OpenAI starts an answer that may hold only tool calls (see the Anthropic parser).
                return Update(AssistantRole, null, null);
            case "contentBlockStart":
                return ParseBlockStart(root);
            case "contentBlockDelta":
                return ParseBlockDelta(root);
            case "messageStop":
                if (SawMessageStop)
                {
                    return null;
                }

                SawMessageStop = true;
                var reason = root.TryGetProperty("stopReason"u8, out var stopReason) && stopReason.ValueKind == JsonValueKind.String
                    ? stopReason.GetString()
                    : null;
                return Update(null, null, BedrockConverseResponseParser.FinishReason(reason));
            case "metadata":
                if (root.TryGetProperty("usage"u8, out var usage))
                {
                    Usage = BedrockConverseResponseParser.ReadUsage(usage);
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The closing update with the answer's usage; null when the stream reported none.</summary>
    public ChatCompletionUpdate? UsageUpdate() =>
        Usage is { } usage ? new ChatCompletionUpdate(id, started, model, null, null, null, usage) : null;

    private ChatCompletionUpdate Update(string? role, string? content, string? finishReason) =>
        new(id, started, model, role, content, finishReason, Usage: null);

    /// <summary>A <c>toolUse</c> block starts: the call's first delta, with its index, id and name.</summary>
    private ChatCompletionUpdate? ParseBlockStart(JsonElement root)
    {
        if (!root.TryGetProperty("start"u8, out var start) || start.ValueKind != JsonValueKind.Object
            || !start.TryGetProperty("toolUse"u8, out var toolUse) || toolUse.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var block = BlockIndex(root);
        if (!toolUse.TryGetProperty("toolUseId"u8, out var toolUseId) || toolUseId.ValueKind != JsonValueKind.String || toolUseId.GetString() is not { Length: > 0 } callId
            || !toolUse.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } callName)
        {
            throw new JsonException("A toolUse block start lacks its id or name.");
        }

        if (!_toolCallOfBlock.TryAdd(block, _toolCallOfBlock.Count))
        {
            throw new JsonException("A content block started twice.");
        }

        return ToolCallUpdate(new ToolCallDelta(_toolCallOfBlock[block], callId, callName, string.Empty));
    }

    /// <summary>A text delta, or the next fragment of a started tool call's input JSON.</summary>
    private ChatCompletionUpdate? ParseBlockDelta(JsonElement root)
    {
        if (!root.TryGetProperty("delta"u8, out var delta) || delta.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (delta.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String)
        {
            return text.GetString() is { Length: > 0 } piece ? Update(null, piece, null) : null;
        }

        if (!delta.TryGetProperty("toolUse"u8, out var toolUse) || toolUse.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (!_toolCallOfBlock.TryGetValue(BlockIndex(root), out var call))
        {
            throw new JsonException("A toolUse delta belongs to no started toolUse block.");
        }

        return toolUse.TryGetProperty("input"u8, out var input) && input.ValueKind == JsonValueKind.String
            && input.GetString() is { Length: > 0 } fragment
            ? ToolCallUpdate(new ToolCallDelta(call, null, null, fragment))
            : null;
    }

    private static int BlockIndex(JsonElement root) =>
        root.TryGetProperty("contentBlockIndex"u8, out var index) && index.ValueKind == JsonValueKind.Number && index.TryGetInt32(out var value)
            ? value
            : throw new JsonException("A content block event lacks its contentBlockIndex.");

    private ChatCompletionUpdate ToolCallUpdate(ToolCallDelta delta) =>
        new(id, started, model, null, null, null, Usage: null, ToolCallDeltas: [delta]);
}
