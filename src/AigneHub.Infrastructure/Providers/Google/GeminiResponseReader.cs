using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.Google;

/// <summary>
/// What the hub takes from one <c>GenerateContentResponse</c> (a whole answer, or one chunk of a streamed one).
/// </summary>
/// <param name="ResponseId">Gemini's id for the answer; every chunk of a stream repeats it.</param>
/// <param name="HasCandidate">Whether the first candidate was present.</param>
/// <param name="Text">The first candidate's text parts, thoughts left out, joined; null when it had none.</param>
/// <param name="FunctionCalls">The first candidate's <c>functionCall</c> parts, in order; null when it had none.</param>
/// <param name="FinishReason">
/// The first candidate's finish reason in the hub's vocabulary ("tool_calls" when it stopped with function calls);
/// null while it is generating.
/// </param>
/// <param name="UpstreamFinishReason">The finish reason as Gemini wrote it, for logs.</param>
/// <param name="BlockReason">Why Gemini refused the prompt (<c>promptFeedback.blockReason</c>), unscrubbed.</param>
/// <param name="Usage">The usage metadata, when present: Gemini repeats it, cumulatively, on every chunk.</param>
/// <param name="Error">The error envelope when Gemini sent one in place of a response.</param>
internal sealed record GeminiResponse(
    string? ResponseId,
    bool HasCandidate,
    string? Text,
    IReadOnlyList<GeminiFunctionCall>? FunctionCalls,
    string? FinishReason,
    string? UpstreamFinishReason,
    string? BlockReason,
    TokenUsage? Usage,
    GeminiError? Error);

/// <summary>A <c>functionCall</c> part: Gemini sends each call whole, never in fragments.</summary>
/// <param name="Id">Gemini's id for the call, which the Gemini API usually leaves out.</param>
/// <param name="Arguments">The <c>args</c> object as JSON text ("{}" when Gemini sent none).</param>
/// <param name="ThoughtSignature">The part's <c>thoughtSignature</c> (Gemini 3), which must come back with the call.</param>
internal sealed record GeminiFunctionCall(string? Id, string Name, string Arguments, string? ThoughtSignature);

/// <summary>
/// Gemini's error envelope <c>{"error":{"code","message","status","details"}}</c>; text fields are the upstream's,
/// unscrubbed.
/// </summary>
/// <param name="Status">The google.rpc code name, e.g. INVALID_ARGUMENT, RESOURCE_EXHAUSTED.</param>
/// <param name="Reason">The <c>google.rpc.ErrorInfo</c> reason from the details, e.g. API_KEY_INVALID.</param>
/// <param name="RetryDelay">The <c>google.rpc.RetryInfo</c> retry delay from the details.</param>
internal sealed record GeminiError(int? Code, string? Message, string? Status, string? Reason, TimeSpan? RetryDelay)
{
    /// <summary>Gemini answers a wrong, expired or deleted key with 400 INVALID_ARGUMENT and this reason.</summary>
    public bool IsInvalidApiKey => string.Equals(Reason, "API_KEY_INVALID", StringComparison.Ordinal);
}

/// <summary>
/// Reads Gemini's <c>GenerateContentResponse</c> and error envelope with <see cref="Utf8JsonReader"/>. Gemini writes
/// JSON from protocol buffers, so a field at its default (index 0, a zero count, false) may be absent, and unknown
/// fields are skipped. A body that is not JSON, or not shaped like a response, throws <see cref="JsonException"/>.
/// </summary>
internal static partial class GeminiResponseReader
{
    // Longer waits are not honoured as such: the caller's own policy takes over.
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromDays(1);

    public static GeminiResponse Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);

        string? responseId = null;
        Candidate? candidate = null;
        string? blockReason = null;
        TokenUsage? usage = null;
        GeminiError? error = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("responseId"u8))
            {
                responseId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("candidates"u8))
            {
                candidate = ReadFirstCandidate(ref reader);
            }
            else if (reader.ValueTextEquals("promptFeedback"u8))
            {
                blockReason = ReadBlockReason(ref reader);
            }
            else if (reader.ValueTextEquals("usageMetadata"u8))
            {
                usage = ReadUsage(ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                error = ReadError(ref reader) ?? new GeminiError(null, null, null, null, null);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new GeminiResponse(
            responseId,
            candidate is not null,
            candidate?.Text,
            candidate?.FunctionCalls,
            candidate?.FunctionCalls is not null && candidate.FinishReason == "STOP" ? FinishReasons.ToolCalls : MapFinishReason(candidate?.FinishReason),
            candidate?.FinishReason,
            blockReason,
            usage,
            error);
    }

    /// <summary>
    /// Gemini's finish reasons in OpenAI's vocabulary: every safety-style filter is content_filter; reasons with no
    /// OpenAI counterpart (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, ones added later) read as a plain stop.
    /// </summary>
    public static string? MapFinishReason(string? reason) => reason switch
    {
        null => null,
        "MAX_TOKENS" => FinishReasons.Length,
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" => FinishReasons.ContentFilter,
        _ => FinishReasons.Stop,
    };

    private static Candidate? ReadFirstCandidate(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("candidates is not an array.");
        }

        Candidate? first = null;
        while (true)
        {
            UpstreamJsonReader.Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return first;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A candidate is not an object.");
            }

            var candidate = ReadCandidate(ref reader);

            // With candidateCount > 1 the candidates of one answer are told apart by index; the hub relays the first.
            if (first is null && candidate.Index == 0)
            {
                first = candidate;
            }
        }
    }

    private static Candidate ReadCandidate(ref Utf8JsonReader reader)
    {
        var index = 0;
        string? text = null;
        List<GeminiFunctionCall>? calls = null;
        string? finishReason = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("index"u8))
            {
                index = ReadInt32(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                text = ReadContent(ref reader, ref calls);
            }
            else if (reader.ValueTextEquals("finishReason"u8))
            {
                finishReason = ReadFinishReason(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new Candidate(index, text, calls, finishReason);
    }

    /// <summary>
    /// The text parts of a <c>Content</c>, joined, and its function calls in order; thought summaries and other parts
    /// are left out.
    /// </summary>
    private static string? ReadContent(ref Utf8JsonReader reader, ref List<GeminiFunctionCall>? calls)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("content is not an object.");
        }

        string? text = null;
        while (ReadProperty(ref reader))
        {
            if (!reader.ValueTextEquals("parts"u8))
            {
                SkipValue(ref reader);
                continue;
            }

            UpstreamJsonReader.Read(ref reader);
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("parts is not an array.");
            }

            while (true)
            {
                UpstreamJsonReader.Read(ref reader);
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    break;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new JsonException("A part is not an object.");
                }

                var (partText, call) = ReadPart(ref reader);
                if (call is not null)
                {
                    (calls ??= []).Add(call);
                }

                if (partText is not null)
                {
                    // One part per chunk is the rule; a second one is rare enough to concatenate.
                    text = text is null ? partText : string.Concat(text, partText);
                }
            }
        }

        return text;
    }

    private static string? ReadFinishReason(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,

            // The common values come back as shared strings, not new ones per chunk.
            JsonTokenType.String when reader.ValueTextEquals("STOP"u8) => "STOP",
            JsonTokenType.String when reader.ValueTextEquals("MAX_TOKENS"u8) => "MAX_TOKENS",
            JsonTokenType.String => reader.GetString(),
            _ => throw new JsonException("finishReason is not a string."),
        };
    }

    private static string? ReadBlockReason(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("promptFeedback is not an object.");
        }

        string? blockReason = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("blockReason"u8))
            {
                blockReason = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return blockReason;
    }

    private sealed record Candidate(int Index, string? Text, IReadOnlyList<GeminiFunctionCall>? FunctionCalls, string? FinishReason);

    internal static class FinishReasons
    {
        public const string Stop = "stop";
        public const string Length = "length";
        public const string ContentFilter = "content_filter";
        public const string ToolCalls = "tool_calls";
    }
}
