using AigneHub.Domain.Usage;

namespace AigneHub.Api.Rest.Aigne;

/// <summary>
/// POST /api/v2/chat, as the AIGNE framework's hub client calls it. A unary answer is the chat model's output
/// <c>{text | json, toolCalls?, model, modelWithProvider, usage}</c>; a streamed one is SSE data events of agent
/// response deltas (<c>{"delta":{"text":{"text":…}}}</c>, then one <c>{"delta":{"json":{…}}}</c> with tool calls, the
/// parsed JSON answer, the model and the usage), no <c>[DONE]</c>, and an <c>event: error</c> if it fails mid-way.
/// </summary>
internal sealed partial class AigneChatEndpoint(IMediator mediator, TimeProvider time, ILogger<AigneChatEndpoint> logger)
{
    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            var request = AigneChatRequestReader.Read(body.RootElement);
            if (request.Streaming)
            {
                var command = new StreamChatCompletionCommand(context.TraceIdentifier, request.Model, request.Messages, request.Settings, WithReceipt: true);
                await StreamAsync(context, request, mediator.CreateStream(command, context.RequestAborted));
            }
            else
            {
                var command = new CreateChatCompletionCommand(context.TraceIdentifier, request.Model, request.Messages, request.Settings);
                var completion = await mediator.Send(command, context.RequestAborted);
                await WriteCompletionAsync(context, request, completion);
            }
        }
        catch (JsonException ex)
        {
            await AigneErrorBody.WriteResponseAsync(context, HubErrorMapper.MalformedJson(ex), time);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            await AigneErrorBody.WriteResponseAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier), time);
        }
    }

    private static async Task WriteCompletionAsync(HttpContext context, AigneChatRequest request, ChatCompletion completion)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using (var json = new Utf8JsonWriter(response.BodyWriter, OpenAIErrorBody.WriterOptions))
        {
            json.WriteStartObject();
            WriteAnswer(json, request, completion.Content);
            if (completion.ToolCalls is { } calls)
            {
                WriteToolCalls(json, calls);
            }

            WriteTail(json, completion.Model, completion.Usage, completion.CreditsCharged, completion.CreditPrefix);
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private async Task StreamAsync(HttpContext context, AigneChatRequest request, IAsyncEnumerable<ChatCompletionUpdate> updates)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        await using var enumerator = updates.GetAsyncEnumerator(aborted);
        using var open = await ChatEventStream.StartAsync(context, enumerator, "aigne");
        var output = response.BodyWriter;
        var jsonMode = IsJsonMode(request);
        var text = jsonMode ? new System.Text.StringBuilder() : null;
        var calls = new SortedDictionary<int, ToolCallBuilder>();
        var model = enumerator.Current.Model;
        TokenUsage usage = default;
        ChatCompletionUpdate? receipt = null;
        try
        {
            do
            {
                var update = enumerator.Current;
                if (update.IsReceipt)
                {
                    receipt = update;
                    continue;
                }

                model = update.Model;
                if (update.Usage is { } reported)
                {
                    usage = reported;
                }

                foreach (var delta in update.ToolCallDeltas ?? [])
                {
                    if (!calls.TryGetValue(delta.Index, out var call))
                    {
                        calls[delta.Index] = call = new ToolCallBuilder();
                    }

                    call.Add(delta);
                }

                if (update.ContentDelta is { Length: > 0 } piece)
                {
                    if (text is not null)
                    {
                        text.Append(piece);
                    }
                    else
                    {
                        WriteEvent(output, json =>
                        {
                            json.WriteStartObject("delta");
                            json.WriteStartObject("text");
                            json.WriteString("text", piece);
                            json.WriteEndObject();
                            json.WriteEndObject();
                        });
                        await output.FlushAsync(aborted);
                    }
                }
            }
            while (await enumerator.MoveNextAsync());

            WriteEvent(output, json =>
            {
                json.WriteStartObject("delta");
                json.WriteStartObject("json");
                if (text is not null)
                {
                    WriteAnswer(json, request, text.ToString());
                }

                if (calls.Count > 0)
                {
                    WriteToolCalls(json, calls.Values.Select(c => c.Build()).ToList());
                }

                WriteTail(json, model, usage, receipt?.CreditsCharged, receipt?.CreditPrefix);
                json.WriteEndObject();
                json.WriteEndObject();
            });
            await output.FlushAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            LogClientGone(logger, context.TraceIdentifier);
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            var error = HubErrorMapper.Map(ex, context.TraceIdentifier);
            LogFailedMidStream(logger, context.TraceIdentifier, error.Type);
            AigneErrorBody.WriteEvent(output, error);
            await output.FlushAsync(CancellationToken.None);
        }
    }

    private static bool IsJsonMode(AigneChatRequest request) =>
        request.Settings.ResponseFormat is { Kind: ResponseFormatKind.JsonSchema or ResponseFormatKind.JsonObject };

    /// <summary>The answer: text, or in JSON mode the parsed JSON (with the text kept when it does not parse).</summary>
    private static void WriteAnswer(Utf8JsonWriter json, AigneChatRequest request, string? content)
    {
        if (content is null)
        {
            return;
        }

        if (IsJsonMode(request) && TryParseObject(content) is { } parsed)
        {
            json.WritePropertyName("json");
            parsed.WriteTo(json);
            return;
        }

        json.WriteString("text", content);
    }

    private static JsonElement? TryParseObject(string content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>AIGNE's tool calls carry the arguments as an object, not as JSON text.</summary>
    private static void WriteToolCalls(Utf8JsonWriter json, IReadOnlyList<ToolCall> calls)
    {
        json.WriteStartArray("toolCalls");
        foreach (var call in calls)
        {
            json.WriteStartObject();
            json.WriteString("id", call.Id);
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", call.Name);
            json.WritePropertyName("arguments");
            if (TryParseObject(call.Arguments) is { } arguments)
            {
                arguments.WriteTo(json);
            }
            else
            {
                json.WriteStartObject();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <param name="credits">Credits charged (credits mode), written as usage.aigneHubCredits with the currency prefix.</param>
    private static void WriteTail(Utf8JsonWriter json, string model, TokenUsage usage, decimal? credits = null, string? creditPrefix = null)
    {
        json.WriteString("model", model);
        json.WriteString("modelWithProvider", model);
        json.WriteStartObject("usage");
        json.WriteNumber("inputTokens", usage.PromptTokens);
        json.WriteNumber("outputTokens", usage.CompletionTokens);
        if (usage.CachedPromptTokens > 0)
        {
            json.WriteNumber("cacheReadInputTokens", usage.CachedPromptTokens);
        }

        if (credits is { } charged)
        {
            json.WriteNumber("aigneHubCredits", charged);

            // "$", "€" or "¥"; an empty prefix would break the AIGNE client's schema, so it is left out.
            if (creditPrefix is { Length: > 0 })
            {
                json.WriteString("creditPrefix", creditPrefix);
            }
        }

        json.WriteEndObject();
    }

    private static void WriteEvent(IBufferWriter<byte> output, Action<Utf8JsonWriter> write)
    {
        output.Write("data: "u8);
        using (var json = new Utf8JsonWriter(output, OpenAIErrorBody.WriterOptions))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client disconnected from stream {RequestId}; upstream call cancelled")]
    private static partial void LogClientGone(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {RequestId} failed after it started ({ErrorType}); error sent as an SSE error event")]
    private static partial void LogFailedMidStream(ILogger logger, string requestId, string errorType);

    /// <summary>Assembles one streamed tool call from its pieces, in order.</summary>
    private sealed class ToolCallBuilder
    {
        private readonly System.Text.StringBuilder _arguments = new();
        private string? _id;
        private string? _name;

        public void Add(ToolCallDelta delta)
        {
            _id ??= delta.Id;
            _name ??= delta.Name;
            _arguments.Append(delta.ArgumentsDelta);
        }

        public ToolCall Build() => new(_id ?? string.Empty, _name ?? string.Empty, _arguments.ToString());
    }
}
