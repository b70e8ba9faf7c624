using System.Text.Json;
using AigneHub.Application.Chat.Common;
using AigneHub.Domain.Usage;
using static AigneHub.Infrastructure.Providers.Anthropic.AnthropicMessagesResponseParser;

namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>
/// Reads the server-sent events of one streamed Messages answer: <c>message_start</c> (id, model, input usage),
/// <c>content_block_start</c>/<c>content_block_delta</c>/<c>content_block_stop</c> per content block,
/// <c>message_delta</c> (stop reason, cumulative usage), <c>message_stop</c>, with <c>ping</c> and <c>error</c>
/// events possible anywhere. Event types Anthropic may add later, and blocks other than text, are skipped.
/// </summary>
/// <param name="modelPrefix">The hub's prefix for the provider's models ("anthropic/").</param>
/// <param name="requestedModel">Used when no event says which model answered.</param>
/// <param name="started">Every update's creation time: Anthropic's events carry none.</param>
internal sealed class AnthropicMessagesStreamParser(string modelPrefix, string requestedModel, DateTimeOffset started)
{
    private const string AssistantRole = "assistant";

    private string _id = string.Empty;
    private string? _model;
    private AnthropicUsage? _usage;

    /// <summary>Whether <c>message_stop</c> arrived: the answer is complete.</summary>
    public bool SawMessageStop { get; private set; }

    /// <summary>Whether an update with a finish reason was returned.</summary>
    public bool SawFinishReason { get; private set; }

    /// <summary>The usage reported so far (input from <c>message_start</c>, updated by each <c>message_delta</c>).</summary>
    public TokenUsage? Usage => _usage?.ToTokenUsage();

    /// <summary>The hub's name for the model that answered ("anthropic/claude-sonnet-4-5-20250929").</summary>
    public string Model => _model ??= modelPrefix + requestedModel;

    /// <summary>
    /// Reads one event. Returns null for an event with nothing to relay; sets <paramref name="error"/> when the event is
    /// Anthropic's <c>error</c>.
    /// </summary>
    /// <param name="eventType">The SSE <c>event:</c> name; when absent, the payload's own <c>type</c> decides.</param>
    /// <exception cref="JsonException">The payload is not valid JSON or not shaped like the event it claims to be.</exception>
    public ChatCompletionUpdate? Parse(string? eventType, ReadOnlySpan<byte> json, out AnthropicError? error)
    {
        error = null;
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        switch (eventType ?? TypeOf(json))
        {
            case "message_start":
                ReadMessageStart(ref reader);
                return Update(role: AssistantRole, content: string.Empty, finishReason: null);
            case "content_block_start":
                return ContentUpdate(ReadTextProperty(ref reader, "content_block"u8, "text"u8));
            case "content_block_delta":
                return ContentUpdate(ReadTextProperty(ref reader, "delta"u8, "text_delta"u8));
            case "message_delta":
                return ReadMessageDelta(ref reader);
            case "message_stop":
                SawMessageStop = true;
                return null;
            case "error":
                error = ReadErrorEvent(ref reader);
                return null;
            default:
                // ping, content_block_stop, and whatever Anthropic adds later.
                return null;
        }
    }

    /// <summary>The finish update for a stream that stopped without saying why.</summary>
    public ChatCompletionUpdate DefaultFinishUpdate()
    {
        SawFinishReason = true;
        return Update(role: null, content: null, finishReason: FinishReasons.Stop);
    }

    /// <summary>The closing update with the answer's usage; null when the stream reported none.</summary>
    public ChatCompletionUpdate? UsageUpdate() =>
        Usage is { } usage ? new ChatCompletionUpdate(_id, started, Model, null, null, null, usage) : null;

    private ChatCompletionUpdate? ContentUpdate(string? text) =>
        string.IsNullOrEmpty(text) ? null : Update(role: null, content: text, finishReason: null);

    private ChatCompletionUpdate Update(string? role, string? content, string? finishReason) =>
        new(_id, started, Model, role, content, finishReason, Usage: null);

    private void ReadMessageStart(ref Utf8JsonReader reader)
    {
        while (ReadProperty(ref reader))
        {
            if (!reader.ValueTextEquals("message"u8) || !ReadStartObjectOrNull(ref reader))
            {
                reader.Skip();
                continue;
            }

            while (ReadProperty(ref reader))
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    _id = ReadString(ref reader) ?? _id;
                }
                else if (reader.ValueTextEquals("model"u8))
                {
                    if (ReadString(ref reader) is { Length: > 0 } model)
                    {
                        _model = modelPrefix + model;
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    MergeUsage(ReadUsage(ref reader));
                }
                else
                {
                    SkipValue(ref reader);
                }
            }
        }
    }

    private ChatCompletionUpdate? ReadMessageDelta(ref Utf8JsonReader reader)
    {
        string? finishReason = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                MergeUsage(ReadUsage(ref reader));
            }
            else if (reader.ValueTextEquals("delta"u8) && ReadStartObjectOrNull(ref reader))
            {
                while (ReadProperty(ref reader))
                {
                    if (reader.ValueTextEquals("stop_reason"u8))
                    {
                        finishReason = ReadFinishReason(ref reader);
                    }
                    else
                    {
                        SkipValue(ref reader);
                    }
                }
            }
            else
            {
                // Also skips a null delta, whose token the condition above has already read.
                reader.Skip();
            }
        }

        if (finishReason is null || SawFinishReason)
        {
            return null;
        }

        SawFinishReason = true;
        return Update(role: null, content: null, finishReason);
    }

    private static AnthropicError ReadErrorEvent(ref Utf8JsonReader reader)
    {
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

        return error ?? new AnthropicError(null, null);
    }

    /// <summary>The text of the object under <paramref name="property"/> when that object's type is <paramref name="type"/>.</summary>
    private static string? ReadTextProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> property, ReadOnlySpan<byte> type)
    {
        string? text = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals(property) && ReadStartObjectOrNull(ref reader))
            {
                text = ReadTextOfType(ref reader, type);
            }
            else
            {
                reader.Skip();
            }
        }

        return text;
    }

    private void MergeUsage(AnthropicUsage usage) => _usage = _usage is { } known ? known.UpdatedBy(usage) : usage;

    /// <summary>The payload's top-level <c>type</c>, for an event that came without an <c>event:</c> name.</summary>
    private static string? TypeOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        ReadStartObject(ref reader);
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8))
            {
                return ReadString(ref reader);
            }

            SkipValue(ref reader);
        }

        return null;
    }
}
