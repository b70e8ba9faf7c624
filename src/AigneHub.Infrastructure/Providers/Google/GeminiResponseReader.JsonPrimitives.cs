using System.Globalization;
using System.Text.Json;
using AigneHub.Domain.Usage;

namespace AigneHub.Infrastructure.Providers.Google;

// The Utf8JsonReader steps every part of the reader shares.
internal static partial class GeminiResponseReader
{
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

    private static int ReadInt32(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return 0;
        }

        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value) || value < 0)
        {
            throw new JsonException("Expected a non-negative integer.");
        }

        return value;
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => null,
            _ => throw new JsonException("Expected a string."),
        };
    }

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

    private static bool ReadProperty(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.PropertyName => true,
            JsonTokenType.EndObject => false,
            _ => throw new JsonException("Expected a property."),
        };
    }

    private static void ReadStartObject(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected a JSON object.");
        }
    }

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        reader.Skip();
    }

    private static void Read(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON ended early.");
        }
    }
}
