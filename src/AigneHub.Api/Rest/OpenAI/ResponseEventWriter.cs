using AigneHub.Domain.Usage;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// Turns a chat stream into the Responses API's semantic events (<c>event: &lt;type&gt;</c> + <c>data: {…}</c>, each
/// with its <c>sequence_number</c>, no <c>[DONE]</c>): <c>response.created</c> and <c>response.in_progress</c>; per
/// output item <c>response.output_item.added</c>, for text <c>response.content_part.added</c>,
/// <c>response.output_text.delta</c>…, <c>response.output_text.done</c>, <c>response.content_part.done</c>, for a
/// function call <c>response.function_call_arguments.delta</c>… and <c>.done</c>, then
/// <c>response.output_item.done</c>; and last <c>response.completed</c> (or <c>response.incomplete</c> at the token
/// bound) with the whole response and its usage. A failure after the start is an <c>error</c> event followed by
/// <c>response.failed</c>.
/// </summary>
internal sealed class ResponseEventWriter(IBufferWriter<byte> output, ResponseSnapshot started) : IChatEventWriter
{
    private readonly Utf8JsonWriter _json = new(output, new JsonWriterOptions { SkipValidation = true, Encoder = OpenAIErrorBody.WriterOptions.Encoder });
    private readonly SortedDictionary<int, ResponseItem> _finished = [];
    private readonly Dictionary<int, OpenCall> _calls = [];
    private readonly StringBuilder _text = new();
    private int _sequence;
    private int _nextOutputIndex;
    private string? _messageId;
    private int _messageIndex;
    private OpenCall? _currentCall;
    private string? _finishReason;
    private TokenUsage? _usage;
    private ResponseSnapshot _started = started;
    private string _model = started.Model;

    public void Start(ChatCompletionUpdate first)
    {
        _model = first.Model;
        _started = _started with { Model = first.Model };
        WriteLifecycle("response.created", _started);
        WriteLifecycle("response.in_progress", _started);
    }

    public void Write(ChatCompletionUpdate update)
    {
        _model = update.Model;
        _finishReason = update.FinishReason ?? _finishReason;
        _usage = update.Usage ?? _usage;
        if (update.ContentDelta is { Length: > 0 } text)
        {
            WriteText(text);
        }

        foreach (var delta in update.ToolCallDeltas ?? [])
        {
            WriteCall(delta);
        }
    }

    /// <summary>Closes what is open and sends the finished response with its usage.</summary>
    public void Complete()
    {
        CloseMessage();
        CloseCall();
        if (_finished.Count == 0)
        {
            // A text answer with no text is still one (empty) message, as OpenAI answers it.
            OpenMessage();
            CloseMessage();
        }

        var (status, reason) = ResponseSnapshot.Outcome(_finishReason);
        var final = _started with { Model = _model, Status = status, Output = [.. _finished.Values], Usage = _usage ?? default(TokenUsage), IncompleteReason = reason };
        WriteLifecycle(status == "completed" ? "response.completed" : "response.incomplete", final);
    }

    public void Fail(HubError error)
    {
        WriteEvent("error", json =>
        {
            json.WriteString("code", error.Code ?? error.Type);
            json.WriteString("message", error.Message);
            if (error.Param is null)
            {
                json.WriteNull("param");
            }
            else
            {
                json.WriteString("param", error.Param);
            }
        });
        WriteLifecycle("response.failed", _started with { Model = _model, Status = "failed", Output = [.. _finished.Values], Error = error });
    }

    private void WriteText(string text)
    {
        if (_messageId is null)
        {
            CloseCall();
            OpenMessage();
        }

        _text.Append(text);
        WriteEvent("response.output_text.delta", json =>
        {
            WritePosition(json, _messageId!, _messageIndex, withContentIndex: true);
            json.WriteString("delta", text);
            json.WriteStartArray("logprobs");
            json.WriteEndArray();
        });
    }

    private void OpenMessage()
    {
        _messageId = ResponseSnapshot.NewId("msg_");
        _messageIndex = _nextOutputIndex++;
        _text.Clear();
        WriteEvent("response.output_item.added", json =>
        {
            json.WriteNumber("output_index", _messageIndex);
            json.WritePropertyName("item");
            ResponseObjectWriter.WriteItem(json, new ResponseMessageItem(_messageId, string.Empty), "in_progress");
        });
        WriteEvent("response.content_part.added", json =>
        {
            WritePosition(json, _messageId, _messageIndex, withContentIndex: true);
            json.WritePropertyName("part");
            ResponseObjectWriter.WriteTextPart(json, string.Empty);
        });
    }

    private void CloseMessage()
    {
        if (_messageId is not { } id)
        {
            return;
        }

        var text = _text.ToString();
        WriteEvent("response.output_text.done", json =>
        {
            WritePosition(json, id, _messageIndex, withContentIndex: true);
            json.WriteString("text", text);
            json.WriteStartArray("logprobs");
            json.WriteEndArray();
        });
        WriteEvent("response.content_part.done", json =>
        {
            WritePosition(json, id, _messageIndex, withContentIndex: true);
            json.WritePropertyName("part");
            ResponseObjectWriter.WriteTextPart(json, text);
        });
        WriteItemDone(_messageIndex, new ResponseMessageItem(id, text));
        _messageId = null;
    }

    private void WriteCall(ToolCallDelta delta)
    {
        if (!_calls.TryGetValue(delta.Index, out var call))
        {
            CloseMessage();
            CloseCall();
            call = new OpenCall(ResponseSnapshot.NewId("fc_"), _nextOutputIndex++, delta.Id ?? ResponseSnapshot.NewId("call_"), delta.Name ?? string.Empty);
            _calls[delta.Index] = call;
            _currentCall = call;
            WriteEvent("response.output_item.added", json =>
            {
                json.WriteNumber("output_index", call.OutputIndex);
                json.WritePropertyName("item");
                ResponseObjectWriter.WriteItem(json, call.Item(), "in_progress");
            });
        }

        if (delta.ArgumentsDelta is { Length: > 0 } piece)
        {
            call.Arguments.Append(piece);
            WriteEvent("response.function_call_arguments.delta", json =>
            {
                WritePosition(json, call.Id, call.OutputIndex, withContentIndex: false);
                json.WriteString("delta", piece);
            });
        }
    }

    private void CloseCall()
    {
        if (_currentCall is not { } call)
        {
            return;
        }

        var item = call.Item();
        WriteEvent("response.function_call_arguments.done", json =>
        {
            WritePosition(json, call.Id, call.OutputIndex, withContentIndex: false);
            json.WriteString("name", item.Name);
            json.WriteString("arguments", item.Arguments);
        });
        WriteItemDone(call.OutputIndex, item);
        _currentCall = null;
    }

    private void WriteItemDone(int outputIndex, ResponseItem item)
    {
        _finished[outputIndex] = item;
        WriteEvent("response.output_item.done", json =>
        {
            json.WriteNumber("output_index", outputIndex);
            json.WritePropertyName("item");
            ResponseObjectWriter.WriteItem(json, item, "completed");
        });
    }

    private static void WritePosition(Utf8JsonWriter json, string itemId, int outputIndex, bool withContentIndex)
    {
        json.WriteString("item_id", itemId);
        json.WriteNumber("output_index", outputIndex);
        if (withContentIndex)
        {
            json.WriteNumber("content_index", 0);
        }
    }

    private void WriteLifecycle(string type, ResponseSnapshot response) => WriteEvent(type, json =>
    {
        json.WritePropertyName("response");
        ResponseObjectWriter.Write(json, response);
    });

    private void WriteEvent(string type, Action<Utf8JsonWriter> body) => ChatEventStream.WriteNamedEvent(output, _json, type, body, _sequence++);

    /// <summary>A function call being streamed: its item id, position, the provider's call id and name, the arguments so far.</summary>
    private sealed record OpenCall(string Id, int OutputIndex, string CallId, string Name)
    {
        public StringBuilder Arguments { get; } = new();

        public ResponseFunctionCallItem Item() => new(Id, CallId, Name, Arguments.ToString());
    }
}
