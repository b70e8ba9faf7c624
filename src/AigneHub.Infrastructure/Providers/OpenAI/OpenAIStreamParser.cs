using static AigneHub.Infrastructure.Providers.OpenAI.OpenAIResponseParser;
using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.OpenAI;

/// <summary>
/// Reads the <c>chat.completion.chunk</c> objects of one streamed answer. It keeps what every chunk repeats (id,
/// model, fingerprint) so those strings are made once per stream, not once per chunk.
/// </summary>
/// <param name="modelPrefix">The hub's prefix for this provider's models ("openai/", "deepseek/").</param>
/// <param name="requestedModel">Used when no chunk says which model answered.</param>
/// <param name="started">Used when a chunk does not say when the answer was created.</param>
/// <param name="cachedTokensAlias">The provider's own usage field for cached prompt tokens, if it has one.</param>
internal sealed class OpenAIStreamParser(string modelPrefix, string requestedModel, DateTimeOffset started, string? cachedTokensAlias = null)
{
    private string? _id;
    private string? _model;
    private string? _fingerprint;
    private DateTimeOffset _created = started;

    /// <summary>Whether a chunk carried a finish reason: the answer is complete even if [DONE] never comes.</summary>
    public bool SawFinishReason { get; private set; }

    /// <summary>The usage the stream reported, if it did.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary>The hub's name for the model that answered ("openai/gpt-4o-mini-2024-07-18").</summary>
    public string Model => _model ??= modelPrefix + requestedModel;

    /// <summary>
    /// Reads one chunk. Returns null for a chunk with nothing to relay (e.g. an empty delta); sets
    /// <paramref name="error"/> when the upstream sent an error object in place of a chunk.
    /// </summary>
    /// <exception cref="JsonException">The chunk is not valid JSON or not shaped like a chunk.</exception>
    public ChatCompletionUpdate? Parse(ReadOnlySpan<byte> json, out OpenAIError? error)
    {
        error = null;
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);

        Choice? choice = null;
        TokenUsage? usage = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("id"u8))
            {
                _id = ReadRepeatedString(ref reader, _id);
            }
            else if (reader.ValueTextEquals("created"u8))
            {
                _created = ReadUnixTime(ref reader) ?? _created;
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                ReadModel(ref reader);
            }
            else if (reader.ValueTextEquals("system_fingerprint"u8))
            {
                _fingerprint = ReadRepeatedString(ref reader, _fingerprint);
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                choice = ReadFirstChoice(ref reader, "delta"u8);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                usage = ReadUsage(ref reader, cachedTokensAlias);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                error = ReadError(ref reader) ?? new OpenAIError(null, null, null);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (error is not null)
        {
            return null;
        }

        var role = choice?.Role;
        var content = choice?.Content;
        var finishReason = choice?.FinishReason;
        var toolCalls = choice?.ToolCalls;
        var logprobs = choice?.LogprobsJson;
        if (finishReason is not null)
        {
            SawFinishReason = true;
        }

        if (usage is not null)
        {
            Usage = usage;
        }

        if (role is null && string.IsNullOrEmpty(content) && finishReason is null && usage is null && toolCalls is null && logprobs is null)
        {
            return null;
        }

        return new ChatCompletionUpdate(_id ?? string.Empty, _created, Model, role, content, finishReason, usage, _fingerprint, toolCalls)
        {
            LogprobsJson = logprobs,
        };
    }

    private void ReadModel(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON ended early.");
        }

        if (reader.TokenType == JsonTokenType.String)
        {
            // Every chunk names the same model: the prefixed name is built from the first one that says.
            if (_model is null && reader.GetString() is { Length: > 0 } model)
            {
                _model = modelPrefix + model;
            }
        }
        else if (reader.TokenType != JsonTokenType.Null)
        {
            throw new JsonException("model is not a string.");
        }
    }

    /// <summary>Reads a string that chunks repeat, returning <paramref name="previous"/> when the value is unchanged.</summary>
    private static string? ReadRepeatedString(ref Utf8JsonReader reader, string? previous)
    {
        if (!reader.Read())
        {
            throw new JsonException("The JSON ended early.");
        }

        return reader.TokenType switch
        {
            JsonTokenType.String when previous is not null && reader.ValueTextEquals(previous) => previous,
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Null => previous,
            _ => throw new JsonException("Expected a string."),
        };
    }
}
