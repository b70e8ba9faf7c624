using System.Text;
using System.Text.Json;
using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Usage;

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

/// <summary>
/// Reads Anthropic's Messages answers (the <c>message</c> object, error envelopes) with <see cref="Utf8JsonReader"/>.
/// Unknown fields and content blocks other than text are skipped; a body that is not JSON, or lacks what the hub needs,
/// throws <see cref="JsonException"/>.
/// </summary>
internal static class AnthropicMessagesResponseParser
{
    /// <param name="modelPrefix">The hub's prefix for the provider's models ("anthropic/").</param>
    /// <param name="requestedModel">Used when the upstream does not say which model answered.</param>
    /// <param name="now">The answer's creation time: Anthropic's message has no timestamp.</param>
    public static ChatCompletion ParseMessage(ReadOnlySpan<byte> json, string modelPrefix, string requestedModel, DateTimeOffset now)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);

        string? id = null;
        string? model = null;
        string? content = null;
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
                content = ReadText(ref reader);
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

        return new ChatCompletion(
            id ?? string.Empty,
            now,
            modelPrefix + (string.IsNullOrEmpty(model) ? requestedModel : model),
            content,
            stopReason ?? FinishReasons.Stop,
            usage.ToTokenUsage(),
            SystemFingerprint: null);
    }

    /// <summary>The <c>error</c> of an error body (<c>{"type":"error","error":{"type","message"}}</c>), or null when the body is not that envelope.</summary>
    public static AnthropicError? TryParseError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            ReadStartObject(ref reader);
            AnthropicError? error = null;
            while (ReadProperty(ref reader))
            {
                if (reader.ValueTextEquals("error"u8))
                {
                    error = ReadError(ref reader);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            return error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

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

    /// <summary>Moves to the next property name; false at the end of the current object.</summary>
    internal static bool ReadProperty(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.PropertyName => true,
            JsonTokenType.EndObject => false,
            _ => throw new JsonException("Expected a property."),
        };
    }

    internal static void ReadStartObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected a JSON object.");
        }
    }

    /// <summary>Reads a property value that must be an object; false (the value skipped) when it is null.</summary>
    internal static bool ReadStartObjectOrNull(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.StartObject => true,
            JsonTokenType.Null => false,
            _ => throw new JsonException("Expected an object."),
        };
    }

    /// <summary>Reads a string or null value; anything else is malformed.</summary>
    internal static string? ReadString(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw new JsonException("Expected a string."),
        };
    }

    internal static void SkipValue(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        reader.Skip();
    }

    internal static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON ended early.");
        }
    }

    /// <summary>The text blocks of a <c>content</c> array, joined; null when there are none (e.g. only tool calls).</summary>
    private static string? ReadText(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("content is not an array.");
        }

        string? first = null;
        StringBuilder? joined = null;
        while (true)
        {
            Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return joined?.ToString() ?? first;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A content block is not an object.");
            }

            if (ReadTextOfType(ref reader, "text"u8) is not { } text)
            {
                continue;
            }

            if (first is null)
            {
                first = text;
            }
            else
            {
                joined ??= new StringBuilder(first);
                joined.Append(text);
            }
        }
    }

    /// <summary>
    /// The <c>text</c> of an object whose <c>type</c> is <paramref name="type"/> (a <c>text</c> block, a
    /// <c>text_delta</c>), the reader on the object's start; null for objects of other types.
    /// </summary>
    internal static string? ReadTextOfType(ref Utf8JsonReader reader, ReadOnlySpan<byte> type)
    {
        var isText = false;
        string? text = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8))
            {
                Read(ref reader);
                isText = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(type);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                text = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return isText ? text : null;
    }

    private static int? ReadInt32(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value) || value < 0)
        {
            throw new JsonException("Expected a non-negative integer.");
        }

        return value;
    }

    /// <summary>Error fields are read leniently: a field of another shape is dropped, not fatal.</summary>
    private static string? ReadStringLenient(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    internal static class FinishReasons
    {
        public const string Stop = "stop";
        public const string Length = "length";
        public const string ToolCalls = "tool_calls";
        public const string ContentFilter = "content_filter";
    }
}
