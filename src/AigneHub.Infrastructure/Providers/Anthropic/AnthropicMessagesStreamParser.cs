using static AigneHub.Infrastructure.Providers.Anthropic.AnthropicMessagesResponseParser;
using static AigneHub.Infrastructure.Providers.Json.UpstreamJsonReader;

namespace AigneHub.Infrastructure.Providers.Anthropic;

/// <summary>
/// Reads the server-sent events of one streamed Messages answer: <c>message_start</c> (id, model, input usage),
/// <c>content_block_start</c>/<c>content_block_delta</c>/<c>content_block_stop</c> per content block,
/// <c>message_delta</c> (stop reason, cumulative usage), <c>message_stop</c>, with <c>ping</c> and <c>error</c>
/// events possible anywhere. Text blocks become content deltas; <c>tool_use</c> blocks become tool-call deltas in
/// OpenAI's form (the block's start gives the call's index, id and name, each <c>input_json_delta</c> the next fragment
/// of its arguments), indexed 0, 1, … in the order the calls appear, whatever Anthropic's block index. The answer
/// tool's input (<see cref="AnthropicJsonAnswerTool"/>) is streamed as content. Event types Anthropic may add later,
/// and other blocks (thinking), are skipped.
/// </summary>
/// <param name="modelPrefix">The hub's prefix for the provider's models ("anthropic/").</param>
/// <param name="requestedModel">Used when no event says which model answered.</param>
/// <param name="started">Every update's creation time: Anthropic's events carry none.</param>
/// <param name="answerTool">The tool whose input is the answer; null when the request asked for no JSON answer.</param>
internal sealed class AnthropicMessagesStreamParser(string modelPrefix, string requestedModel, DateTimeOffset started, string? answerTool = null)
{
    private const string AssistantRole = "assistant";

    // Open tool_use blocks by Anthropic's block index.
    private readonly Dictionary<int, ToolBlock> _toolBlocks = [];
    private int _toolCalls;
    private bool _sawAnswer;
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

                // Content null, as OpenAI starts an answer that may turn out to hold only tool calls: clients keep
                // whichever came first (the openai SDK's finalChatCompletion() gives null, as the unary answer does).
                return Update(role: AssistantRole, content: null, finishReason: null);
            case "content_block_start":
                return ReadBlockStart(ref reader);
            case "content_block_delta":
                return ReadBlockDelta(ref reader);
            case "content_block_stop":
                return ReadBlockStop(ref reader);
            case "message_delta":
                return ReadMessageDelta(ref reader);
            case "message_stop":
                SawMessageStop = true;
                return null;
            case "error":
                error = ReadErrorEvent(ref reader);
                return null;
            default:
                // ping, and whatever Anthropic adds later.
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

    private ChatCompletionUpdate ToolCallUpdate(int index, string? id, string? name, string arguments) =>
        new(_id, started, Model, null, null, null, Usage: null, ToolCallDeltas: [new ToolCallDelta(index, id, name, arguments)]);

    /// <summary>
    /// A text block may start with text; a tool_use block starts a call (the first delta: index, id, name, no
    /// arguments yet), or the answer when it is the answer tool's.
    /// </summary>
    private ChatCompletionUpdate? ReadBlockStart(ref Utf8JsonReader reader)
    {
        int? index = null;
        ContentBlock? block = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("index"u8))
            {
                index = ReadInt32(ref reader);
            }
            else if (reader.ValueTextEquals("content_block"u8) && ReadStartObjectOrNull(ref reader))
            {
                block = ReadBlock(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        switch (block)
        {
            case { Type: ContentBlockType.Text }:
                return ContentUpdate(block.Value.Text);
            case { Type: ContentBlockType.ToolUse }:
                var (id, name, input) = (block.Value.Id, block.Value.Name, block.Value.Input);
                if (index is null || string.IsNullOrEmpty(name))
                {
                    throw new JsonException("A tool_use block has no index or no name.");
                }

                if (name == answerTool)
                {
                    _sawAnswer = true;
                    _toolBlocks[index.Value] = new ToolBlock(callIndex: null, input);
                    return null;
                }

                if (string.IsNullOrEmpty(id))
                {
                    throw new JsonException("A tool_use block has no id.");
                }

                var call = _toolCalls++;
                _toolBlocks[index.Value] = new ToolBlock(call, input);
                return ToolCallUpdate(call, id, name, string.Empty);
            default:
                return null;
        }
    }

    /// <summary>A text_delta is content; an input_json_delta the next fragment of its block's call (or of the answer).</summary>
    private ChatCompletionUpdate? ReadBlockDelta(ref Utf8JsonReader reader)
    {
        int? index = null;
        string? text = null;
        string? fragment = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("index"u8))
            {
                index = ReadInt32(ref reader);
            }
            else if (reader.ValueTextEquals("delta"u8) && ReadStartObjectOrNull(ref reader))
            {
                (text, fragment) = ReadDelta(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        if (text is not null)
        {
            return ContentUpdate(text);
        }

        if (string.IsNullOrEmpty(fragment) || index is null || !_toolBlocks.TryGetValue(index.Value, out var block))
        {
            // Anthropic opens every input with an empty fragment; a fragment of no known block has nowhere to go.
            return null;
        }

        block.SawInput = true;
        return block.CallIndex is { } call ? ToolCallUpdate(call, null, null, fragment) : ContentUpdate(fragment);
    }

    /// <summary>
    /// Closes a tool_use block. One that streamed no input (a call without arguments, or an upstream that put the whole
    /// input in the block's start) gets its start's input, or {}, so the arguments are always a JSON object.
    /// </summary>
    private ChatCompletionUpdate? ReadBlockStop(ref Utf8JsonReader reader)
    {
        int? index = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("index"u8))
            {
                index = ReadInt32(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        if (index is null || !_toolBlocks.Remove(index.Value, out var block) || block.SawInput)
        {
            return null;
        }

        var input = block.StartInput ?? EmptyObject;
        return block.CallIndex is { } call ? ToolCallUpdate(call, null, null, input) : ContentUpdate(input);
    }

    /// <summary>The text of a <c>text_delta</c>, or the fragment of an <c>input_json_delta</c>; other deltas give neither.</summary>
    private static (string? Text, string? Fragment) ReadDelta(ref Utf8JsonReader reader)
    {
        var isText = false;
        var isInput = false;
        string? text = null;
        string? fragment = null;
        while (ReadProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8))
            {
                Read(ref reader);
                isText = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("text_delta"u8);
                isInput = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("input_json_delta"u8);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("text"u8))
            {
                text = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("partial_json"u8))
            {
                fragment = ReadString(ref reader);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        return (isText ? text : null, isInput ? fragment : null);
    }

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

        if (finishReason == FinishReasons.ToolCalls && _toolCalls == 0 && _sawAnswer)
        {
            // The model stopped to call the answer tool: for the caller that is the answer, complete.
            finishReason = FinishReasons.Stop;
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

    /// <summary>An open tool_use block: the call it streams (null for the answer tool's), and what its start held.</summary>
    private sealed class ToolBlock(int? callIndex, string? startInput)
    {
        public int? CallIndex { get; } = callIndex;

        /// <summary>The input in the block's start: {} from Anthropic, whose input follows in fragments.</summary>
        public string? StartInput { get; } = startInput;

        public bool SawInput { get; set; }
    }
}
