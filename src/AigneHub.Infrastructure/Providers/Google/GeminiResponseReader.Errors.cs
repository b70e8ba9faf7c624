using System.Globalization;
using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.Google;

// Gemini's error envelope (google.rpc.Status) and its details.
internal static partial class GeminiResponseReader
{
    /// <summary>The <c>error</c> of an error body, or null when the body is not Gemini's envelope.</summary>
    public static GeminiError? TryReadError(ReadOnlySpan<byte> body) =>
        TryReadErrorEnvelope<GeminiError>(body, ReadError);

    /// <summary>Error fields are read leniently: an unexpected shape is dropped, not fatal.</summary>
    private static GeminiError? ReadError(ref Utf8JsonReader reader)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        int? code = null;
        string? message = null;
        string? status = null;
        string? reason = null;
        TimeSpan? retryDelay = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("code"u8))
            {
                UpstreamJsonReader.Read(ref reader);
                code = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) ? number : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                message = ReadStringLenient(ref reader);
            }
            else if (reader.ValueTextEquals("status"u8))
            {
                status = ReadStringLenient(ref reader);
            }
            else if (reader.ValueTextEquals("details"u8))
            {
                ReadDetails(ref reader, ref reason, ref retryDelay);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new GeminiError(code, message, status, reason, retryDelay);
    }

    /// <summary>
    /// Reads the <c>google.rpc</c> details Gemini attaches: an <c>ErrorInfo</c> reason and a <c>RetryInfo</c> delay.
    /// Both are recognised by their fields, not by <c>@type</c>, which proxies sometimes drop.
    /// </summary>
    private static void ReadDetails(ref Utf8JsonReader reader, ref string? reason, ref TimeSpan? retryDelay)
    {
        UpstreamJsonReader.Read(ref reader);
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (true)
        {
            UpstreamJsonReader.Read(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (ReadProperty(ref reader))
            {
                if (reader.ValueTextEquals("reason"u8))
                {
                    reason ??= ReadStringLenient(ref reader);
                }
                else if (reader.ValueTextEquals("retryDelay"u8))
                {
                    retryDelay ??= ParseDuration(ReadStringLenient(ref reader));
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
        }
    }

    /// <summary>A <c>google.protobuf.Duration</c> in JSON: seconds with up to nine decimals and an "s", e.g. "22s", "1.5s".</summary>
    private static TimeSpan? ParseDuration(string? text)
    {
        if (text is not { Length: > 1 } || text[^1] != 's'
            || !decimal.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return null;
        }

        return seconds >= (decimal)MaxRetryDelay.TotalSeconds ? MaxRetryDelay : TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }
}
