using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>The <c>error</c> object of Anthropic's error envelope; both fields are the upstream's text, unscrubbed.</summary>
internal sealed record AnthropicError(string? Type, string? Message)
{
    /// <summary>The error types Anthropic documents; others may be added over time.</summary>
    public static class Types
    {
        public const string InvalidRequest = "invalid_request_error";
        public const string Authentication = "authentication_error";
        public const string Permission = "permission_error";
        public const string NotFound = "not_found_error";
        public const string RequestTooLarge = "request_too_large";
        public const string RateLimit = "rate_limit_error";
        public const string Api = "api_error";
        public const string Overloaded = "overloaded_error";
    }
}

/// <summary>
/// Anthropic's <c>usage</c> object. Fields are nullable because a streamed answer reports them in pieces: the input
/// counts in <c>message_start</c>, the cumulative counts (output always, input sometimes) in <c>message_delta</c>.
/// </summary>
internal readonly record struct AnthropicUsage(int? InputTokens, int? OutputTokens, int? CacheCreationInputTokens, int? CacheReadInputTokens)
{
    /// <summary>These counts, with every count <paramref name="later"/> reports replacing the earlier one.</summary>
    public AnthropicUsage UpdatedBy(AnthropicUsage later) => new(
        later.InputTokens ?? InputTokens,
        later.OutputTokens ?? OutputTokens,
        later.CacheCreationInputTokens ?? CacheCreationInputTokens,
        later.CacheReadInputTokens ?? CacheReadInputTokens);

    /// <summary>
    /// The hub's usage. Anthropic's <c>input_tokens</c> excludes the prompt tokens read from or written to the cache, so
    /// the prompt is the sum of the three; the cache reads are what the hub calls cached prompt tokens.
    /// </summary>
    public TokenUsage ToTokenUsage()
    {
        var cacheRead = CacheReadInputTokens ?? 0;
        var prompt = (long)(InputTokens ?? 0) + cacheRead + (CacheCreationInputTokens ?? 0);
        return new TokenUsage((int)Math.Min(prompt, int.MaxValue), OutputTokens ?? 0, cacheRead);
    }
}

internal enum ContentBlockType
{
    Text,
    ToolUse,

    /// <summary>Thinking, server tool results, and blocks Anthropic adds later: skipped.</summary>
    Other,
}

/// <summary>The fields the hub reads of one content block; the text of a text block, the id, name and input (JSON text) of a tool_use block.</summary>
internal readonly record struct ContentBlock(ContentBlockType Type, string? Text, string? Id, string? Name, string? Input);

/// <summary>
/// Reads Anthropic's Messages answers (the <c>message</c> object, error envelopes) with <see cref="Utf8JsonReader"/>.
/// Unknown fields and content blocks other than text are skipped; a body that is not JSON, or lacks what the hub needs,
/// throws <see cref="JsonException"/>.
/// </summary>
internal static partial class AnthropicMessagesResponseParser
{
    /// <param name="modelPrefix">The hub's prefix for the provider's models ("anthropic/").</param>
    /// <param name="requestedModel">Used when the upstream does not say which model answered.</param>
    /// <param name="now">The answer's creation time: Anthropic's message has no timestamp.</param>
    /// <param name="answerTool">
    /// The tool whose input is the answer (<see cref="AnthropicJsonAnswerTool"/>): its call becomes the content, not a
    /// tool call. Null when the request asked for no JSON answer.
    /// </param>
    public static ChatCompletion ParseMessage(ReadOnlySpan<byte> json, string modelPrefix, string requestedModel, DateTimeOffset now, string? answerTool = null)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);

        string? id = null;
        string? model = null;
        MessageContent content = default;
        string? stopReason = null;
        var sawContent = false;
        AnthropicUsage usage = default;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                model = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                content = ReadContent(ref reader, answerTool);
                sawContent = true;
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                stopReason = ReadFinishReason(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                usage = ReadUsage(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (!sawContent)
        {
            throw new JsonException("The message has no content.");
        }

        var finishReason = stopReason ?? FinishReasons.Stop;
        if (finishReason == FinishReasons.ToolCalls && content.ToolCalls is null && content.Answered)
        {
            // The model stopped to call the answer tool: for the caller that is the answer, complete.
            finishReason = FinishReasons.Stop;
        }

        return new ChatCompletion(
            id ?? string.Empty,
            now,
            modelPrefix + (string.IsNullOrEmpty(model) ? requestedModel : model),
            content.Text,
            finishReason,
            usage.ToTokenUsage(),
            SystemFingerprint: null,
            content.ToolCalls);
    }

    /// <summary>The <c>error</c> of an error body (<c>{"type":"error","error":{"type","message"}}</c>), or null when the body is not that envelope.</summary>
    public static AnthropicError? TryParseError(ReadOnlySpan<byte> body) =>
        TryReadErrorEnvelope<AnthropicError>(body, ReadError);

    /// <summary>Reads the value of an <c>error</c> property; null when it is not an object.</summary>
    internal static AnthropicError? ReadError(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? type = null;
        string? message = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8))
            {
                type = ReadStringLenient(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                message = ReadStringLenient(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new AnthropicError(type, message);
    }

    internal static AnthropicUsage ReadUsage(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("usage is not an object.");
        }

        int? input = null;
        int? output = null;
        int? cacheCreation = null;
        int? cacheRead = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                input = ReadInt32(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                output = ReadInt32(ref reader);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                cacheCreation = ReadInt32(ref reader);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                cacheRead = ReadInt32(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new AnthropicUsage(input, output, cacheCreation, cacheRead);
    }

    /// <summary>
    /// Reads a <c>stop_reason</c> as the hub's (OpenAI's) finish reason. A refusal is OpenAI's content filter; reasons
    /// Anthropic may add later read as an ordinary stop, so a client that knows only OpenAI's words never sees them.
    /// </summary>
    internal static string? ReadFinishReason(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String when reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("model_context_window_exceeded"u8) => FinishReasons.Length,
            JsonTokenType.String when reader.ValueTextEquals("tool_use"u8) => FinishReasons.ToolCalls,
            JsonTokenType.String when reader.ValueTextEquals("refusal"u8) => FinishReasons.ContentFilter,
            JsonTokenType.String => FinishReasons.Stop,
            _ => throw new JsonException("stop_reason is not a string."),
        };
    }

    /// <summary>What a tool_use block whose input is null or absent is taken to have asked with: no arguments.</summary>
    internal const string EmptyObject = "{}";

    /// <param name="Answered">Whether the text is the answer tool's input.</param>
    private readonly record struct MessageContent(string? Text, IReadOnlyList<ToolCall>? ToolCalls, bool Answered);

    internal static class FinishReasons
    {
        public const string Stop = "stop";
        public const string Length = "length";
        public const string ToolCalls = "tool_calls";
        public const string ContentFilter = "content_filter";
    }
}
