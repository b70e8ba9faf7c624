using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AigneHub.TestUpstreams;

/// <summary>Token counts a fake Anthropic upstream reports for an answer (Anthropic's usage object).</summary>
/// <param name="InputTokens">Prompt tokens neither read from nor written to the cache.</param>
public sealed record FakeAnthropicUsage(int InputTokens, int OutputTokens, int CacheCreationInputTokens = 0, int CacheReadInputTokens = 0);

/// <summary>A call a fake Anthropic answer asks for: a <c>tool_use</c> block.</summary>
/// <param name="InputJson">The block's <c>input</c>, a JSON object; streamed, it arrives in several <c>input_json_delta</c> fragments.</param>
public sealed record FakeAnthropicToolUse(string Id, string Name, string InputJson);

/// <summary>
/// A real HTTP server on 127.0.0.1 that answers <c>POST /v1/messages</c> the way Anthropic documents it: a
/// <c>message</c> object, or for <c>"stream": true</c> a <c>text/event-stream</c> of named events
/// (<c>message_start</c>, <c>content_block_start</c>, <c>ping</c>, one <c>content_block_delta</c> with a
/// <c>text_delta</c> per piece, <c>content_block_stop</c>, <c>message_delta</c> with the stop reason and cumulative
/// usage, <c>message_stop</c>), and errors in Anthropic's envelope
/// <c>{"type":"error","error":{"type","message"},"request_id"}</c> with the documented status for each type.
/// </summary>
/// <remarks>
/// Like Anthropic it requires the <c>x-api-key</c> and <c>anthropic-version</c> headers and <c>max_tokens</c>. Scripted
/// per test (<see cref="Reply"/>, <see cref="ReplyStream(string[])"/>, <see cref="Fail"/>, <see cref="FailMidStream"/>,
/// <see cref="Hang"/>, …); the script applies to every request until changed. By default it echoes the last user
/// message: "You said: …", one input token per word of the system prompt and messages, one output token per word of
/// the answer.
/// </remarks>
public sealed class FakeAnthropicUpstream : FakeUpstreamHost
{
    /// <summary>What <c>GET /v1/models</c> answers (Anthropic's documented page shape), after the key and version checks.</summary>
    public const string ModelList =
        """{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],"has_more":false,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-sonnet-4-5-20250929"}""";

    private volatile Script _script = Script.Echo;

    private FakeAnthropicUpstream()
    {
    }

    /// <summary>"http://127.0.0.1:PORT": the API root, as Anthropic's is https://api.anthropic.com (no "/v1").</summary>
    public string BaseUrl => Origin;

    /// <summary>
    /// How long a complete stream's body stays open after <c>message_stop</c> (as behind a slow proxy), before it ends.
    /// </summary>
    public TimeSpan EndDelay { get; set; }

    /// <summary>When set, a request whose <c>x-api-key</c> differs gets Anthropic's 401.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>Model name in answers; null repeats the requested model.</summary>
    public string? ResponseModel { get; set; }

    public static Task<FakeAnthropicUpstream> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(new FakeAnthropicUpstream(), cancellationToken);

    /// <summary>The default: echo the last user message.</summary>
    public void Echo() => _script = Script.Echo;

    /// <summary>Answers <paramref name="content"/>; streamed, it is one text delta.</summary>
    public void Reply(string content, FakeAnthropicUsage? usage = null, string stopReason = "end_turn") =>
        _script = new Script(ScriptKind.Answer) { Pieces = [content], Usage = usage, StopReason = stopReason };

    /// <summary>Streams one text delta per piece; a non-streamed request gets the pieces joined in one text block.</summary>
    public void ReplyStream(params string[] pieces) => ReplyStream(pieces, usage: null);

    public void ReplyStream(string[] pieces, FakeAnthropicUsage? usage, TimeSpan? delayBetweenPieces = null, string stopReason = "end_turn") =>
        _script = new Script(ScriptKind.Answer)
        {
            Pieces = pieces,
            Usage = usage,
            StopReason = stopReason,
            PieceDelay = delayBetweenPieces ?? TimeSpan.Zero,
        };

    /// <summary>
    /// Answers with <paramref name="text"/> (when not null) and then one <c>tool_use</c> block per call, stopping for
    /// <c>tool_use</c>. Streamed, each block opens with <c>"input":{}</c> and its input follows as an empty
    /// <c>input_json_delta</c> and then the JSON in three fragments, as Anthropic streams tool input.
    /// </summary>
    public void ReplyToolUse(string? text, params FakeAnthropicToolUse[] calls) =>
        _script = new Script(ScriptKind.Answer) { Pieces = text is null ? [] : [text], ToolUses = calls, StopReason = "tool_use" };

    /// <summary>Sends <c>message_start</c> and the pieces, then neither finishes nor closes the stream.</summary>
    public void StallStream(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Stall };

    /// <summary>Sends <c>message_start</c> and the pieces, then ends the body without <c>message_delta</c> or <c>message_stop</c>.</summary>
    public void TruncateStream(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Truncate };

    /// <summary>
    /// Answers 200 and streams <c>message_start</c> and the pieces, then an <c>error</c> event of
    /// <paramref name="errorType"/> (Anthropic's way to fail a stream already under way), then ends the body.
    /// </summary>
    public void FailMidStream(string errorType = "overloaded_error", string errorMessage = "Overloaded", params string[] piecesBefore) =>
        _script = new Script(ScriptKind.Answer) { Pieces = piecesBefore, Ending = StreamEnding.Error, ErrorType = errorType, ErrorMessage = errorMessage };

    /// <summary>Answers 200 with an event stream whose first and only event is an <c>error</c>.</summary>
    public void FailStreamAtStart(string errorType = "overloaded_error", string errorMessage = "Overloaded") =>
        _script = new Script(ScriptKind.StreamError) { ErrorType = errorType, ErrorMessage = errorMessage };

    /// <summary>
    /// Answers <paramref name="status"/> with Anthropic's error envelope (the error type Anthropic documents for that
    /// status); <paramref name="retryAfter"/> becomes a retry-after header (whole seconds).
    /// </summary>
    public void Fail(int status, string? errorMessage = null, TimeSpan? retryAfter = null) =>
        _script = new Script(ScriptKind.Fail) { Status = status, ErrorMessage = errorMessage, RetryAfter = retryAfter };

    /// <summary>Accepts the request and never sends response headers.</summary>
    public void Hang() => _script = new Script(ScriptKind.Hang);

    /// <summary>Answers with exactly these bytes (e.g. malformed JSON, a proxy's HTML page).</summary>
    public void RespondRaw(int status, string contentType, string body) =>
        _script = new Script(ScriptKind.Raw) { Status = status, RawContentType = contentType, RawBody = Encoding.UTF8.GetBytes(body) };

    /// <summary>Back to the echo script, with no recorded requests and a fresh <see cref="ClientAborted"/>.</summary>
    public override void Reset()
    {
        base.Reset();
        _script = Script.Echo;
        EndDelay = TimeSpan.Zero;
        RequiredApiKey = null;
        ResponseModel = null;
    }

    /// <summary>The error type Anthropic documents for a status; other 4xx are invalid requests, other 5xx API errors.</summary>
    public static string ErrorTypeFor(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    protected override async Task AnswerAsync(HttpContext context, byte[] body)
    {
        var aborted = context.RequestAborted;
        var script = _script;
        var request = context.Request;
        var listsModels = HttpMethods.IsGet(request.Method) && request.Path == "/v1/models";
        if (!listsModels && (!HttpMethods.IsPost(request.Method) || request.Path != "/v1/messages"))
        {
            await WriteErrorAsync(context, 404, "not_found_error", "Not Found").ConfigureAwait(false);
            return;
        }

        var presentedKey = request.Headers["x-api-key"].ToString();
        if (presentedKey.Length == 0)
        {
            await WriteErrorAsync(context, 401, "authentication_error", "x-api-key header is required").ConfigureAwait(false);
            return;
        }

        if (RequiredApiKey is { } key && presentedKey != key)
        {
            await WriteErrorAsync(context, 401, "authentication_error", "invalid x-api-key").ConfigureAwait(false);
            return;
        }

        if (request.Headers["anthropic-version"].ToString().Length == 0)
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", "anthropic-version: header is required").ConfigureAwait(false);
            return;
        }

        if (listsModels)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(ModelList, aborted).ConfigureAwait(false);
            return;
        }

        if (!MessagesCall.TryParse(body, out var call, out var problem))
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", problem).ConfigureAwait(false);
            return;
        }

        await DelayAsync(aborted).ConfigureAwait(false);

        switch (script.Kind)
        {
            case ScriptKind.Fail:
                await WriteScriptedErrorAsync(context, script).ConfigureAwait(false);
                break;
            case ScriptKind.Hang:
                await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                break;
            case ScriptKind.Raw:
                await WriteRawAsync(context, script.Status, script.RawContentType, script.RawBody).ConfigureAwait(false);
                break;
            case ScriptKind.StreamError:
                StartEventStream(context.Response);
                new EventWriter(context.Response.BodyWriter, string.Empty, string.Empty).WriteError(script.ErrorType, script.ErrorMessage ?? string.Empty);
                await FlushAsync(context.Response.BodyWriter, aborted).ConfigureAwait(false);
                break;
            default:
                var answer = Answer.For(script, call);
                if (call.Stream)
                {
                    await WriteStreamAsync(context, call, answer, script).ConfigureAwait(false);
                }
                else
                {
                    await WriteMessageAsync(context, call, answer).ConfigureAwait(false);
                }

                break;
        }
    }

    private async Task WriteMessageAsync(HttpContext context, MessagesCall call, Answer answer)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.Headers["request-id"] = "req_" + NewId();

        using (var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, "msg_" + NewId());
            json.WriteString("type"u8, "message"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteString("model"u8, ResponseModel ?? call.Model);
            json.WriteStartArray("content"u8);
            if (answer.HasTextBlock)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "text"u8);
                json.WriteString("text"u8, string.Concat(answer.Pieces));
                json.WriteEndObject();
            }

            foreach (var toolUse in answer.ToolUses)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "tool_use"u8);
                json.WriteString("id"u8, toolUse.Id);
                json.WriteString("name"u8, toolUse.Name);
                json.WritePropertyName("input"u8);
                json.WriteRawValue(toolUse.InputJson);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("stop_reason"u8, answer.StopReason);
            json.WriteNull("stop_sequence"u8);
            WriteUsage(json, answer.Usage, answer.Usage.OutputTokens);
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteStreamAsync(HttpContext context, MessagesCall call, Answer answer, Script script)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        StartEventStream(response);
        response.Headers["request-id"] = "req_" + NewId();

        var events = new EventWriter(response.BodyWriter, "msg_" + NewId(), ResponseModel ?? call.Model);
        events.WriteMessageStart(answer.Usage);
        if (answer.HasTextBlock)
        {
            events.WriteContentBlockStart();
        }

        events.WritePing();
        await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);

        for (var i = 0; i < answer.Pieces.Count; i++)
        {
            if (i > 0 && script.PieceDelay > TimeSpan.Zero)
            {
                await Task.Delay(script.PieceDelay, aborted).ConfigureAwait(false);
            }

            events.WriteTextDelta(answer.Pieces[i]);
            await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
        }

        switch (script.Ending)
        {
            case StreamEnding.Stall:
                await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                return;
            case StreamEnding.Truncate:
                return;
            case StreamEnding.Error:
                events.WriteError(script.ErrorType, script.ErrorMessage ?? string.Empty);
                await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
                return;
        }

        var blockIndex = 0;
        if (answer.HasTextBlock)
        {
            events.WriteContentBlockStop(blockIndex++);
        }

        foreach (var toolUse in answer.ToolUses)
        {
            events.WriteToolUse(blockIndex++, toolUse);
            await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
        }

        events.WriteMessageDelta(answer.StopReason, answer.Usage);
        events.WriteMessageStop();
        await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
        if (EndDelay > TimeSpan.Zero)
        {
            await Task.Delay(EndDelay, aborted).ConfigureAwait(false);
        }
    }

    private Task WriteScriptedErrorAsync(HttpContext context, Script script)
    {
        var type = ErrorTypeFor(script.Status);
        var defaultMessage = type switch
        {
            "authentication_error" => "invalid x-api-key",
            "permission_error" => "Your API key does not have permission to use the specified resource.",
            "not_found_error" => "model: claude-imaginary",
            "request_too_large" => "Request exceeds the maximum allowed number of bytes.",
            "rate_limit_error" => "This request would exceed the rate limit for your organization. Please try again later.",
            "overloaded_error" => "Overloaded",
            "api_error" => "Internal server error",
            _ => "Invalid request.",
        };

        SetRetryAfter(context.Response, "retry-after", script.RetryAfter);
        return WriteErrorAsync(context, script.Status, type, script.ErrorMessage ?? defaultMessage);
    }

    private async Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        var response = context.Response;
        var requestId = "req_" + NewId();
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers["request-id"] = requestId;
        using (var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "error"u8);
            json.WriteStartObject("error"u8);
            json.WriteString("type"u8, type);
            json.WriteString("message"u8, message);
            json.WriteEndObject();
            json.WriteString("request_id"u8, requestId);
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <param name="outputTokens">In <c>message_start</c> Anthropic reports the output so far (1), not the final count.</param>
    private static void WriteUsage(Utf8JsonWriter json, FakeAnthropicUsage usage, int outputTokens)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("input_tokens"u8, usage.InputTokens);
        json.WriteNumber("cache_creation_input_tokens"u8, usage.CacheCreationInputTokens);
        json.WriteNumber("cache_read_input_tokens"u8, usage.CacheReadInputTokens);
        json.WriteStartObject("cache_creation"u8);
        json.WriteNumber("ephemeral_5m_input_tokens"u8, usage.CacheCreationInputTokens);
        json.WriteNumber("ephemeral_1h_input_tokens"u8, 0);
        json.WriteEndObject();
        json.WriteNumber("output_tokens"u8, outputTokens);
        json.WriteString("service_tier"u8, "standard"u8);
        json.WriteEndObject();
    }

    private string NewId() => "01" + NextId();

    private enum ScriptKind
    {
        Echo,
        Answer,
        Fail,
        Hang,
        Raw,
        StreamError,
    }

    private enum StreamEnding
    {
        Complete,
        Stall,
        Truncate,
        Error,
    }

    private sealed record Script(ScriptKind Kind)
    {
        public static readonly Script Echo = new(ScriptKind.Echo);

        public IReadOnlyList<string> Pieces { get; init; } = [];

        public IReadOnlyList<FakeAnthropicToolUse> ToolUses { get; init; } = [];

        public FakeAnthropicUsage? Usage { get; init; }

        public string StopReason { get; init; } = "end_turn";

        public TimeSpan PieceDelay { get; init; }

        public StreamEnding Ending { get; init; }

        public int Status { get; init; }

        public string ErrorType { get; init; } = "api_error";

        public string? ErrorMessage { get; init; }

        public TimeSpan? RetryAfter { get; init; }

        public string? RawContentType { get; init; }

        public byte[] RawBody { get; init; } = [];
    }

    /// <summary>What the fake needs from a request body, checked the way Anthropic checks it.</summary>
    private readonly record struct MessagesCall(string Model, bool Stream, int PromptWords, string? LastUserText)
    {
        public static bool TryParse(byte[] body, out MessagesCall call, out string problem)
        {
            call = default;
            problem = string.Empty;
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    problem = "Input should be a valid dictionary";
                    return false;
                }

                if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
                {
                    problem = "model: Field required";
                    return false;
                }

                if (!root.TryGetProperty("max_tokens", out var maxTokens) || maxTokens.ValueKind != JsonValueKind.Number)
                {
                    problem = "max_tokens: Field required";
                    return false;
                }

                if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
                {
                    problem = "messages: Field required";
                    return false;
                }

                if (root.TryGetProperty("tools", out var tools) && ToolsProblem(tools) is { } toolsProblem)
                {
                    problem = toolsProblem;
                    return false;
                }

                var words = root.TryGetProperty("system", out var system) ? Words(Text(system)).Count : 0;
                string? lastUser = null;
                foreach (var message in messages.EnumerateArray())
                {
                    var text = message.TryGetProperty("content", out var content) ? Text(content) : string.Empty;
                    words += Words(text).Count;
                    if (message.TryGetProperty("role", out var role) && role.ValueEquals("user"u8))
                    {
                        lastUser = text;
                    }
                }

                var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
                call = new MessagesCall(model.GetString()!, stream, words, lastUser);
                return true;
            }
            catch (JsonException)
            {
                problem = "There was an issue with the format of your request: the body is not valid JSON.";
                return false;
            }
        }

        /// <summary>What Anthropic would reject in a <c>tools</c> array: a tool without a name, or whose input_schema is not an object schema.</summary>
        private static string? ToolsProblem(JsonElement tools)
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                return "tools: Input should be a valid list";
            }

            var i = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                if (!tool.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                {
                    return $"tools.{i}.name: Field required";
                }

                if (!tool.TryGetProperty("input_schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    return $"tools.{i}.custom.input_schema: Field required";
                }

                if (!schema.TryGetProperty("type", out var type) || !type.ValueEquals("object"u8))
                {
                    return $"tools.{i}.custom.input_schema.type: Input should be 'object'";
                }

                i++;
            }

            return null;
        }

        /// <summary>A string, or the text blocks of a block array joined by newlines.</summary>
        private static string Text(JsonElement content)
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                return content.GetString()!;
            }

            if (content.ValueKind != JsonValueKind.Array)
            {
                return string.Empty;
            }

            var parts = new List<string>();
            foreach (var block in content.EnumerateArray())
            {
                if (block.TryGetProperty("type", out var type) && type.ValueEquals("text"u8)
                    && block.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    parts.Add(text.GetString()!);
                }
            }

            return string.Join('\n', parts);
        }
    }

    private sealed record Answer(IReadOnlyList<string> Pieces, string StopReason, FakeAnthropicUsage Usage, IReadOnlyList<FakeAnthropicToolUse> ToolUses)
    {
        /// <summary>An answer of tool calls alone has no text block; any other has one (empty if need be).</summary>
        public bool HasTextBlock => Pieces.Count > 0 || ToolUses.Count == 0;

        public static Answer For(Script script, MessagesCall call)
        {
            var pieces = script.Kind == ScriptKind.Echo
                ? EchoWords(call.LastUserText)
                : script.Pieces;
            var usage = script.Usage ?? new FakeAnthropicUsage(Math.Max(1, call.PromptWords), pieces.Count + script.ToolUses.Count);
            return new Answer(pieces, script.StopReason, usage, script.ToolUses);
        }
    }

    /// <summary>Writes <c>event: NAME\ndata: {json}\n\n</c> straight into the response pipe.</summary>
    private sealed class EventWriter(PipeWriter output, string id, string model)
    {
        private readonly Utf8JsonWriter _json = new(output, WriterOptions);

        public void WriteMessageStart(FakeAnthropicUsage usage)
        {
            Begin("message_start"u8);
            _json.WriteStartObject("message"u8);
            _json.WriteString("id"u8, id);
            _json.WriteString("type"u8, "message"u8);
            _json.WriteString("role"u8, "assistant"u8);
            _json.WriteString("model"u8, model);
            _json.WriteStartArray("content"u8);
            _json.WriteEndArray();
            _json.WriteNull("stop_reason"u8);
            _json.WriteNull("stop_sequence"u8);
            WriteUsage(_json, usage, outputTokens: 1);
            _json.WriteEndObject();
            End();
        }

        public void WriteContentBlockStart()
        {
            Begin("content_block_start"u8);
            _json.WriteNumber("index"u8, 0);
            _json.WriteStartObject("content_block"u8);
            _json.WriteString("type"u8, "text"u8);
            _json.WriteString("text"u8, string.Empty);
            _json.WriteEndObject();
            End();
        }

        /// <summary>Anthropic's keep-alive, byte for byte as its documentation shows it (with a space).</summary>
        public void WritePing() => output.Write("event: ping\ndata: {\"type\": \"ping\"}\n\n"u8);

        public void WriteTextDelta(string text)
        {
            Begin("content_block_delta"u8);
            _json.WriteNumber("index"u8, 0);
            _json.WriteStartObject("delta"u8);
            _json.WriteString("type"u8, "text_delta"u8);
            _json.WriteString("text"u8, text);
            _json.WriteEndObject();
            End();
        }

        public void WriteContentBlockStop(int index)
        {
            Begin("content_block_stop"u8);
            _json.WriteNumber("index"u8, index);
            End();
        }

        /// <summary>A whole tool_use block: its start, an empty fragment, the input in three fragments, its stop.</summary>
        public void WriteToolUse(int index, FakeAnthropicToolUse call)
        {
            Begin("content_block_start"u8);
            _json.WriteNumber("index"u8, index);
            _json.WriteStartObject("content_block"u8);
            _json.WriteString("type"u8, "tool_use"u8);
            _json.WriteString("id"u8, call.Id);
            _json.WriteString("name"u8, call.Name);
            _json.WriteStartObject("input"u8);
            _json.WriteEndObject();
            _json.WriteEndObject();
            End();

            var input = call.InputJson;
            var first = Math.Min(Math.Max(1, input.Length / 3), input.Length);
            var second = Math.Min(2 * first, input.Length);
            string[] fragments = [string.Empty, input[..first], input[first..second], input[second..]];
            foreach (var fragment in fragments)
            {
                Begin("content_block_delta"u8);
                _json.WriteNumber("index"u8, index);
                _json.WriteStartObject("delta"u8);
                _json.WriteString("type"u8, "input_json_delta"u8);
                _json.WriteString("partial_json"u8, fragment);
                _json.WriteEndObject();
                End();
            }

            WriteContentBlockStop(index);
        }

        /// <summary>The stop reason and the cumulative usage (current API versions repeat the input counts here).</summary>
        public void WriteMessageDelta(string stopReason, FakeAnthropicUsage usage)
        {
            Begin("message_delta"u8);
            _json.WriteStartObject("delta"u8);
            _json.WriteString("stop_reason"u8, stopReason);
            _json.WriteNull("stop_sequence"u8);
            _json.WriteEndObject();
            _json.WriteStartObject("usage"u8);
            _json.WriteNumber("input_tokens"u8, usage.InputTokens);
            _json.WriteNumber("cache_creation_input_tokens"u8, usage.CacheCreationInputTokens);
            _json.WriteNumber("cache_read_input_tokens"u8, usage.CacheReadInputTokens);
            _json.WriteNumber("output_tokens"u8, usage.OutputTokens);
            _json.WriteEndObject();
            End();
        }

        public void WriteMessageStop()
        {
            Begin("message_stop"u8);
            End();
        }

        public void WriteError(string type, string message)
        {
            Begin("error"u8);
            _json.WriteStartObject("error"u8);
            _json.WriteString("type"u8, type);
            _json.WriteString("message"u8, message);
            _json.WriteEndObject();
            End();
        }

        private void Begin(ReadOnlySpan<byte> eventType)
        {
            BeginEvent(output, eventType);
            _json.Reset(output);
            _json.WriteStartObject();
            _json.WriteString("type"u8, eventType);
        }

        private void End()
        {
            _json.WriteEndObject();
            _json.Flush();
            EndEvent(output);
        }
    }
}
