namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// Writes OpenAI's streaming format: one "data: {chat.completion.chunk}\n\n" event per update, written straight into
/// the response pipe (no intermediate strings), and "data: [DONE]\n\n" at the end. With include_usage every chunk
/// carries "usage": null except the final usage chunk, whose choices are empty, as OpenAI does.
/// </summary>
internal sealed class ChatCompletionChunkWriter(IBufferWriter<byte> output, bool includeUsage) : IChatEventWriter
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly Utf8JsonWriter _json = new(output, new JsonWriterOptions { SkipValidation = true, Encoder = OpenAIErrorBody.WriterOptions.Encoder });

    /// <summary>Writes the update as an event; false when there is nothing to send for it (usage not asked for).</summary>
    public bool Write(ChatCompletionUpdate update)
    {
        if (update.Usage is not null && !includeUsage)
        {
            return false;
        }

        output.Write(DataPrefix);
        _json.Reset(output);
        _json.WriteStartObject();
        _json.WriteString("id", update.Id);
        _json.WriteString("object", "chat.completion.chunk");
        _json.WriteNumber("created", update.Created.ToUnixTimeSeconds());
        _json.WriteString("model", update.Model);
        if (update.SystemFingerprint is not null)
        {
            _json.WriteString("system_fingerprint", update.SystemFingerprint);
        }

        _json.WriteStartArray("choices");
        if (update.Usage is null)
        {
            WriteChoice(update);
        }

        _json.WriteEndArray();
        if (includeUsage)
        {
            if (update.Usage is { } usage)
            {
                ChatCompletionResponseWriter.WriteUsage(_json, usage);
            }
            else
            {
                _json.WriteNull("usage");
            }
        }

        _json.WriteEndObject();
        _json.Flush();
        output.Write(EventEnd);
        return true;
    }

    public void WriteDone() => output.Write(Done);

    // As one of the chat surfaces (ChatSurface.StreamAsync): OpenAI's stream has no opening event.
    void IChatEventWriter.Start(ChatCompletionUpdate first)
    {
    }

    void IChatEventWriter.Write(ChatCompletionUpdate update) => Write(update);

    void IChatEventWriter.Complete() => WriteDone();

    void IChatEventWriter.Fail(HubError error) => WriteError(error);

    /// <summary>An error after the stream started: OpenAI's envelope as a data event (clients raise it as an API error).</summary>
    public void WriteError(HubError error)
    {
        output.Write(DataPrefix);
        _json.Reset(output);
        OpenAIErrorBody.Write(_json, error);
        _json.Flush();
        output.Write(EventEnd);
    }

    private void WriteToolCalls(IReadOnlyList<ToolCallDelta> calls)
    {
        _json.WriteStartArray("tool_calls");
        foreach (var call in calls)
        {
            _json.WriteStartObject();
            _json.WriteNumber("index", call.Index);
            if (call.Id is not null)
            {
                _json.WriteString("id", call.Id);
                _json.WriteString("type", "function");
            }

            _json.WriteStartObject("function");
            if (call.Name is not null)
            {
                _json.WriteString("name", call.Name);
            }

            if (call.ArgumentsDelta is not null)
            {
                _json.WriteString("arguments", call.ArgumentsDelta);
            }

            _json.WriteEndObject();
            _json.WriteEndObject();
        }

        _json.WriteEndArray();
    }

    private void WriteChoice(ChatCompletionUpdate update)
    {
        _json.WriteStartObject();
        _json.WriteNumber("index", update.ChoiceIndex);
        _json.WriteStartObject("delta");
        if (update.Role is not null)
        {
            _json.WriteString("role", update.Role);
        }

        if (update.ContentDelta is not null)
        {
            _json.WriteString("content", update.ContentDelta);
        }
        else if (update.Role is not null)
        {
            // The first chunk of a tool-call-only answer, as OpenAI writes it.
            _json.WriteNull("content");
        }

        if (update.ToolCallDeltas is { } calls)
        {
            WriteToolCalls(calls);
        }

        _json.WriteEndObject();
        ChatCompletionResponseWriter.WriteLogprobs(_json, update.LogprobsJson);
        if (update.FinishReason is not null)
        {
            _json.WriteString("finish_reason", update.FinishReason);
        }
        else
        {
            _json.WriteNull("finish_reason");
        }

        _json.WriteEndObject();
    }
}
