using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.OpenAI;

// Token usage (with the providers' aliases for cached tokens) and timestamps.
internal static partial class OpenAIResponseParser
{
    /// <param name="cachedTokensAlias">
    /// A provider's own usage field for cached prompt tokens (DeepSeek's <c>prompt_cache_hit_tokens</c>), read beside
    /// OpenAI's <c>prompt_tokens_details.cached_tokens</c>; when both are present the larger count is kept.
    /// </param>
    internal static TokenUsage? ReadUsage(ref Utf8JsonReader reader, string? cachedTokensAlias)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("usage is not an object.");
        }

        var prompt = 0;
        var completion = 0;
        var cached = 0;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = ReadInt32(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = ReadInt32(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                cached = Math.Max(cached, ReadCachedTokens(ref reader));
            }
            else if (cachedTokensAlias is not null && reader.ValueTextEquals(cachedTokensAlias))
            {
                cached = Math.Max(cached, ReadInt32(ref reader) ?? 0);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return new TokenUsage(prompt, completion, cached);
    }

    internal static DateTimeOffset? ReadUnixTime(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException("created is not a number.");
        }

        var seconds = reader.TryGetInt64(out var whole) ? whole : (long)reader.GetDouble();
        if (seconds < 0 || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            throw new JsonException("created is out of range.");
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    private static int ReadCachedTokens(ref Utf8JsonReader reader)
    {
        Read(ref reader);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return 0;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("prompt_tokens_details is not an object.");
        }

        var cached = 0;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("cached_tokens"u8))
            {
                cached = ReadInt32(ref reader) ?? 0;
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return cached;
    }
}
