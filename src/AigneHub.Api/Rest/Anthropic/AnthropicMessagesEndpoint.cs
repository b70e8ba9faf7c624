using AigneHub.Domain.Usage;

namespace AigneHub.Api.Rest.Anthropic;

/// <summary>
/// POST /v1/messages, Anthropic's Messages API as a surface of the hub with any provider behind it: the request is read
/// onto the hub's chat commands (<see cref="AnthropicMessagesRequestReader"/>), so every access rule, hold and call
/// record applies, and answered as Anthropic answers: one <c>message</c> object with text and <c>tool_use</c> blocks,
/// or with <c>"stream": true</c> Anthropic's events (<see cref="AnthropicEventWriter"/>). The caller authenticates with
/// <c>x-api-key</c> or a bearer token; <c>anthropic-version</c> is accepted and not needed. Errors are Anthropic's body.
/// </summary>
internal sealed class AnthropicMessagesEndpoint(IMediator mediator, ILogger<AnthropicMessagesEndpoint> logger)
{
    public Task HandleAsync(HttpContext context) => ChatSurface.HandleAsync(context, body => AnswerAsync(context, body), error => AnthropicErrorBody.WriteResponseAsync(context, error));

    private async Task AnswerAsync(HttpContext context, JsonElement body)
    {
        var request = AnthropicMessagesRequestReader.Read(body);
        context.Response.Headers["request-id"] = context.TraceIdentifier;
        if (request.Stream)
        {
            var command = new StreamChatCompletionCommand(context.TraceIdentifier, request.Model, request.Messages, request.Settings);
            await ChatSurface.StreamAsync(context, mediator.CreateStream(command, context.RequestAborted), "anthropic", output => new AnthropicEventWriter(output), logger);
            return;
        }

        var completion = await mediator.Send(new CreateChatCompletionCommand(context.TraceIdentifier, request.Model, request.Messages, request.Settings), context.RequestAborted);
        await OpenAIRoute.WriteJsonAsync(context, json =>
        {
            AnthropicEventWriter.WriteMessageHead(json, completion.Model);
            json.WriteStartArray("content");
            if (completion.Content is { Length: > 0 } text)
            {
                json.WriteStartObject();
                json.WriteString("type", "text");
                json.WriteString("text", text);
                json.WriteEndObject();
            }

            foreach (var call in completion.ToolCalls ?? [])
            {
                AnthropicEventWriter.WriteToolUse(json, call.Id, call.Name, call.Arguments);
            }

            json.WriteEndArray();
            json.WriteString("stop_reason", AnthropicEventWriter.StopReason(completion.FinishReason));
            json.WriteNull("stop_sequence");
            AnthropicEventWriter.WriteUsage(json, completion.Usage);
            json.WriteEndObject();
        });
    }
}

/// <summary>
/// Anthropic's streaming events from the hub's chat updates: <c>message_start</c> and a <c>ping</c>; per content block
/// <c>content_block_start</c>, <c>content_block_delta</c>s (<c>text_delta</c> for text, <c>input_json_delta</c> for a
/// tool call's arguments) and <c>content_block_stop</c>; then <c>message_delta</c> (stop reason and the usage) and
/// <c>message_stop</c>. The input tokens are known only at the end: <c>message_start</c> says 0 and
/// <c>message_delta</c> carries the real count. An error after the start is <c>event: error</c> with Anthropic's
/// error body.
/// </summary>
internal sealed class AnthropicEventWriter(IBufferWriter<byte> output) : IChatEventWriter
{
    private readonly Utf8JsonWriter _json = new(output, new JsonWriterOptions { SkipValidation = true, Encoder = OpenAIErrorBody.WriterOptions.Encoder });
    private int _blocks;
    private bool _textOpen;
    private int? _toolOpen;
    private string? _finishReason;
    private TokenUsage _usage;

    public static void WriteMessageHead(Utf8JsonWriter json, string model)
    {
        json.WriteStartObject();
        json.WriteString("id", "msg_" + Guid.NewGuid().ToString("N"));
        json.WriteString("type", "message");
        json.WriteString("role", "assistant");
        json.WriteString("model", model);
    }

    public static void WriteToolUse(Utf8JsonWriter json, string id, string name, string? arguments)
    {
        json.WriteStartObject();
        json.WriteString("type", "tool_use");
        json.WriteString("id", id);
        json.WriteString("name", name);
        json.WritePropertyName("input");
        if (arguments is { Length: > 0 } && IsObject(arguments))
        {
            json.WriteRawValue(arguments, skipInputValidation: true);
        }
        else
        {
            json.WriteStartObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    public static void WriteUsage(Utf8JsonWriter json, TokenUsage usage)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("input_tokens", usage.PromptTokens - usage.CachedPromptTokens);
        json.WriteNumber("cache_creation_input_tokens", 0);
        json.WriteNumber("cache_read_input_tokens", usage.CachedPromptTokens);
        json.WriteNumber("output_tokens", usage.CompletionTokens);
        json.WriteEndObject();
    }

    public static string StopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    public void Start(ChatCompletionUpdate first)
    {
        WriteEvent("message_start", json =>
        {
            json.WritePropertyName("message");
            WriteMessageHead(json, first.Model);
            json.WriteStartArray("content");
            json.WriteEndArray();
            json.WriteNull("stop_reason");
            json.WriteNull("stop_sequence");
            WriteUsage(json, default);
            json.WriteEndObject();
        });
        WriteEvent("ping", static _ => { });
    }

    public void Write(ChatCompletionUpdate update)
    {
        _finishReason = update.FinishReason ?? _finishReason;
        _usage = update.Usage ?? _usage;
        if (update.ContentDelta is { Length: > 0 } text)
        {
            if (!_textOpen)
            {
                CloseBlock();
                _textOpen = true;
                WriteEvent("content_block_start", json =>
                {
                    json.WriteNumber("index", _blocks);
                    json.WriteStartObject("content_block");
                    json.WriteString("type", "text");
                    json.WriteString("text", string.Empty);
                    json.WriteEndObject();
                });
            }

            WriteDelta("text_delta", "text", text);
        }

        foreach (var delta in update.ToolCallDeltas ?? [])
        {
            if (_toolOpen != delta.Index)
            {
                CloseBlock();
                _toolOpen = delta.Index;
                WriteEvent("content_block_start", json =>
                {
                    json.WriteNumber("index", _blocks);
                    json.WritePropertyName("content_block");
                    WriteToolUse(json, delta.Id ?? "toolu_" + Guid.NewGuid().ToString("N"), delta.Name ?? string.Empty, null);
                });
            }

            if (delta.ArgumentsDelta is { Length: > 0 } piece)
            {
                WriteDelta("input_json_delta", "partial_json", piece);
            }
        }
    }

    public void Complete()
    {
        CloseBlock();
        WriteEvent("message_delta", json =>
        {
            json.WriteStartObject("delta");
            json.WriteString("stop_reason", StopReason(_finishReason));
            json.WriteNull("stop_sequence");
            json.WriteEndObject();
            WriteUsage(json, _usage);
        });
        WriteEvent("message_stop", static _ => { });
    }

    public void Fail(HubError error)
    {
        output.Write("event: error\ndata: "u8);
        _json.Reset(output);
        AnthropicErrorBody.Write(_json, error);
        _json.Flush();
        output.Write("\n\n"u8);
    }

    private static bool IsObject(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void CloseBlock()
    {
        if (!_textOpen && _toolOpen is null)
        {
            return;
        }

        WriteEvent("content_block_stop", json => json.WriteNumber("index", _blocks));
        _blocks++;
        _textOpen = false;
        _toolOpen = null;
    }

    private void WriteDelta(string type, string member, string piece) => WriteEvent("content_block_delta", json =>
    {
        json.WriteNumber("index", _blocks);
        json.WriteStartObject("delta");
        json.WriteString("type", type);
        json.WriteString(member, piece);
        json.WriteEndObject();
    });

    private void WriteEvent(string type, Action<Utf8JsonWriter> body) => ChatEventStream.WriteNamedEvent(output, _json, type, body);
}
