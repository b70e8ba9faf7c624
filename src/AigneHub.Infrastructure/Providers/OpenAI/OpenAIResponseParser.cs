using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>The <c>error</c> object of OpenAI's error envelope; every field is the upstream's text, unscrubbed.</summary>
internal sealed record OpenAIError(string? Message, string? Type, string? Code);

/// <summary>
/// Reads OpenAI's Chat Completions answers (<c>chat.completion</c>, error envelopes) with <see cref="Utf8JsonReader"/>.
/// Unknown fields are skipped; a body that is not JSON, or lacks what the hub needs, throws <see cref="JsonException"/>.
/// </summary>
internal static partial class OpenAIResponseParser
{
    /// <param name="modelPrefix">The hub's prefix for this provider's models ("openai/").</param>
    /// <param name="requestedModel">Used when the upstream does not say which model answered.</param>
    /// <param name="now">Used when the upstream does not say when it answered.</param>
    /// <param name="cachedTokensAlias">The provider's own usage field for cached prompt tokens, if it has one.</param>
    public static ChatCompletion ParseCompletion(
        ReadOnlySpan<byte> json,
        string modelPrefix,
        string requestedModel,
        DateTimeOffset now,
        string? cachedTokensAlias = null)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);

        string? id = null;
        string? model = null;
        string? fingerprint = null;
        DateTimeOffset? created = null;
        TokenUsage? usage = null;
        Choice? choice = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("created"u8))
            {
                created = ReadUnixTime(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                model = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                choice = ReadFirstChoice(ref reader, "message"u8);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                usage = ReadUsage(ref reader, cachedTokensAlias);
            }
            else if (reader.ValueTextEquals("system_fingerprint"u8))
            {
                fingerprint = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (choice is null)
        {
            throw new JsonException("The completion has no choices.");
        }

        return new ChatCompletion(
            id ?? string.Empty,
            created ?? now,
            modelPrefix + (string.IsNullOrEmpty(model) ? requestedModel : model),
            choice.Value.Content,
            choice.Value.FinishReason ?? FinishReasons.Stop,
            usage ?? default,
            fingerprint,
            ToToolCalls(choice.Value.ToolCalls))
        {
            LogprobsJson = choice.Value.LogprobsJson,
        };
    }

    /// <summary>The <c>error</c> of an error body, or null when the body is not OpenAI's envelope.</summary>
    public static OpenAIError? TryParseError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            OpenAIError? error = null;
            string? topLevelMessage = null;
            while (ReadProperty(ref reader))
            {
                if (reader.ValueTextEquals("error"u8))
                {
                    error = ReadError(ref reader);
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    // Some OpenAI-compatible servers answer {"message": "..."} without the envelope.
                    topLevelMessage = ReadStringOrNumber(ref reader);
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            return error ?? (topLevelMessage is null ? null : new OpenAIError(topLevelMessage, null, null));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads the value of an <c>error</c> property: the envelope's object, or a bare string.</summary>
    internal static OpenAIError? ReadError(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType == JsonTokenType.String)
        {
            return new OpenAIError(reader.GetString(), null, null);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? message = null;
        string? type = null;
        string? code = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("message"u8))
            {
                message = ReadStringOrNumber(ref reader);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                type = ReadStringOrNumber(ref reader);
            }
            else if (reader.ValueTextEquals("code"u8))
            {
                code = ReadStringOrNumber(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new OpenAIError(message, type, code);
    }

    internal static Choice? ReadFirstChoice(ref Utf8JsonReader reader, ReadOnlySpan<byte> contentObjectName)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("choices is not an array.");
        }

        Choice? first = null;
        while (true)
        {
            UpstreamJsonReader.Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return first;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A choice is not an object.");
            }

            var choice = ReadChoice(ref reader, contentObjectName);

            // With n > 1 the choices of one answer are told apart by index; the hub relays the first.
            if (first is null && choice.Index is null or 0)
            {
                first = choice;
            }
        }
    }

    /// <summary>Reads a finish reason; OpenAI's own vocabulary comes back as shared strings, not new ones.</summary>
    internal static string? ReadFinishReason(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String when reader.ValueTextEquals("stop"u8) => FinishReasons.Stop,
            JsonTokenType.String when reader.ValueTextEquals("length"u8) => FinishReasons.Length,
            JsonTokenType.String when reader.ValueTextEquals("tool_calls"u8) => FinishReasons.ToolCalls,
            JsonTokenType.String when reader.ValueTextEquals("content_filter"u8) => FinishReasons.ContentFilter,
            JsonTokenType.String => reader.GetString(),
            _ => throw new JsonException("finish_reason is not a string."),
        };
    }

    private static Choice ReadChoice(ref Utf8JsonReader reader, ReadOnlySpan<byte> contentObjectName)
    {
        int? index = null;
        string? role = null;
        string? content = null;
        string? finishReason = null;
        string? logprobs = null;
        List<ToolCallDelta>? toolCalls = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("index"u8))
            {
                index = ReadInt32(ref reader);
            }
            else if (reader.ValueTextEquals("logprobs"u8))
            {
                logprobs = ReadLogprobs(ref reader);
            }
            else if (reader.ValueTextEquals(contentObjectName))
            {
                ReadMessage(ref reader, out role, out content, out toolCalls);
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                finishReason = ReadFinishReason(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new Choice(index, role, content, finishReason, toolCalls, logprobs);
    }

    /// <summary>A choice's logprobs object as its JSON text (relayed as the provider wrote it); null for null.</summary>
    private static string? ReadLogprobs(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        return ReadRawObject(ref reader);
    }

    private static void ReadMessage(ref Utf8JsonReader reader, out string? role, out string? content, out List<ToolCallDelta>? toolCalls)
    {
        role = null;
        content = null;
        toolCalls = null;
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The message is not an object.");
        }

        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("role"u8))
            {
                UpstreamJsonReader.Read(ref reader);
                role = reader.TokenType switch
                {
                    JsonTokenType.String when reader.ValueTextEquals("assistant"u8) => "assistant",
                    JsonTokenType.String => reader.GetString(),
                    JsonTokenType.Null => null,
                    _ => throw new JsonException("role is not a string."),
                };
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                UpstreamJsonReader.Read(ref reader);
                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        content = reader.GetString();
                        break;
                    case JsonTokenType.Null:
                        break;
                    default:
                        // Answers carry text; other shapes (some compatible servers send part arrays) are not relayed.
                        reader.Skip();
                        break;
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                toolCalls = ReadToolCalls(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    internal readonly record struct Choice(int? Index, string? Role, string? Content, string? FinishReason, IReadOnlyList<ToolCallDelta>? ToolCalls, string? LogprobsJson = null);

    internal static class FinishReasons
    {
        public const string Stop = "stop";
        public const string Length = "length";
        public const string ToolCalls = "tool_calls";
        public const string ContentFilter = "content_filter";
    }

    /// <summary>Error fields are read leniently: a numeric code or an object message is dropped, not fatal.</summary>
    private static string? ReadStringOrNumber(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var number) ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            default:
                reader.Skip();
                return null;
        }
    }
}
