using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AigneHub.TestUpstreams;

/// <summary>
/// A real HTTP server on 127.0.0.1 that answers <c>POST /v1/chat/completions</c> the way OpenAI documents it: a
/// <c>chat.completion</c> object, or for <c>"stream": true</c> a <c>text/event-stream</c> of
/// <c>chat.completion.chunk</c> events (role first, one chunk per content piece, a finish chunk with an empty delta, the
/// usage chunk with <c>"choices": []</c> when <c>stream_options.include_usage</c> asked for it, then
/// <c>data: [DONE]</c>), <c>GET /v1/models</c> with a model list, and errors in OpenAI's envelope <c>{"error":{"message","type","param","code"}}</c>.
/// </summary>
/// <remarks>
/// Scripted per test (<see cref="Reply"/>, <see cref="ReplyStream(string[])"/>, <see cref="Fail"/>, <see cref="Hang"/>,
/// …); the script applies to every request until changed. By default it echoes the last user message:
/// "You said: …", one prompt token per word of every message and one completion token per word of the answer, and
/// ignores max_tokens (an upstream that produces more than it was allowed). With <see cref="Tokenizer"/> it counts as
/// OpenAI does instead; with <see cref="HonoursMaxTokens"/> it stops answers at the request's limit.
/// </remarks>
public sealed partial class FakeOpenAIUpstream : FakeUpstreamHost
{
    public const string Fingerprint = "fp_fake_upstream";

    /// <summary>What <c>GET /v1/models</c> answers (OpenAI's documented list shape), after the key check.</summary>
    public const string ModelList =
        """{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"},{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"}]}""";

    private volatile Script _script = Script.Echo;

    private FakeOpenAIUpstream()
    {
    }

    /// <summary>"http://127.0.0.1:PORT/v1": what the OpenAI provider's BaseUrl should be.</summary>
    public string BaseUrl => Origin + "/v1";

    /// <summary>When set, a request without <c>Authorization: Bearer {key}</c> gets OpenAI's 401.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>Model name in answers; null repeats the requested model.</summary>
    public string? ResponseModel { get; set; }

    /// <summary>
    /// When set, usage is counted as OpenAI counts it, with this tokenizer: prompt_tokens are 3 per message plus its
    /// role and content, plus 3 that prime the reply; completion_tokens are the answer's tokens. Null counts words.
    /// </summary>
    public Microsoft.ML.Tokenizers.Tokenizer? Tokenizer { get; set; }

    /// <summary>
    /// Whether an answer stops at the request's max_completion_tokens (or max_tokens), counted as its usage is, with
    /// finish_reason "length", as OpenAI does. Off by default: the fake then produces whatever it was scripted to.
    /// </summary>
    public bool HonoursMaxTokens { get; set; }

    /// <summary>
    /// False: no usage in answers, and no usage chunk however <c>stream_options.include_usage</c> asks, as some
    /// OpenAI-compatible servers (and proxies) answer. On by default.
    /// </summary>
    public bool ReportsUsage { get; set; } = true;

    public static Task<FakeOpenAIUpstream> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(new FakeOpenAIUpstream(), cancellationToken);

    /// <summary>The default: echo the last user message.</summary>
    public void Echo() => _script = Script.Echo;

    /// <summary>Answers <paramref name="content"/>; streamed, it is one content piece.</summary>
    public void Reply(string content, FakeUsage? usage = null, string finishReason = "stop") =>
        _script = new Script(ScriptKind.Answer) { Pieces = [content], Usage = usage, FinishReason = finishReason };

    /// <summary>Streams one chunk per piece; a non-streamed request gets the pieces joined.</summary>
    public void ReplyStream(params string[] pieces) => ReplyStream(pieces, usage: null);

    public void ReplyStream(string[] pieces, FakeUsage? usage, TimeSpan? delayBetweenPieces = null, string finishReason = "stop") =>
        _script = new Script(ScriptKind.Answer)
        {
            Pieces = pieces,
            Usage = usage,
            FinishReason = finishReason,
            PieceDelay = delayBetweenPieces ?? TimeSpan.Zero,
        };

    /// <summary>Sends the role and the pieces, then neither finishes nor closes the stream.</summary>
    public void StallStream(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Stall };

    /// <summary>
    /// Sends the role and the first piece, waits until <paramref name="release"/> completes (a call that runs as long as
    /// the test wants), then the other pieces, the finish reason, the usage and <c>[DONE]</c>.
    /// </summary>
    public void GateStream(Task release, string[] pieces, FakeUsage usage) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Usage = usage, Gate = release };

    /// <summary>Sends the role and the pieces, then ends the body without a finish reason or <c>[DONE]</c>.</summary>
    public void TruncateStream(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Truncate };

    /// <summary>Answers with OpenAI's error envelope; <paramref name="retryAfter"/> becomes a Retry-After header (whole seconds).</summary>
    public void Fail(int status, string? errorMessage = null, TimeSpan? retryAfter = null) =>
        _script = new Script(ScriptKind.Fail) { Status = status, ErrorMessage = errorMessage, RetryAfter = retryAfter };

    /// <summary>Accepts the request and never sends response headers.</summary>
    public void Hang() => _script = new Script(ScriptKind.Hang);

    /// <summary>Answers with exactly these bytes (e.g. malformed JSON).</summary>
    public void RespondRaw(int status, string contentType, string body) =>
        _script = new Script(ScriptKind.Raw) { Status = status, RawContentType = contentType, RawBody = Encoding.UTF8.GetBytes(body) };

    /// <summary>Back to the echo script, with no recorded requests and a fresh <see cref="ClientAborted"/>.</summary>
    public override void Reset()
    {
        base.Reset();
        _script = Script.Echo;
        RequiredApiKey = null;
        ResponseModel = null;
        Tokenizer = null;
        HonoursMaxTokens = false;
        ReportsUsage = true;
        EditImageTokens = 0;
    }

    protected override async Task AnswerAsync(HttpContext context, byte[] body)
    {
        var aborted = context.RequestAborted;
        var script = _script;
        if (await TryAnswerMediaAsync(context, body, script).ConfigureAwait(false))
        {
            return;
        }

        var request = context.Request;
        var listsModels = HttpMethods.IsGet(request.Method) && request.Path == "/v1/models";
        if (!listsModels && (!HttpMethods.IsPost(request.Method) || request.Path != "/v1/chat/completions"))
        {
            await WriteErrorAsync(context, 404, $"Invalid URL ({request.Method} {request.Path})", "invalid_request_error", null).ConfigureAwait(false);
            return;
        }

        if (RequiredApiKey is { } key && request.Headers.Authorization.ToString() != "Bearer " + key)
        {
            var presented = request.Headers.Authorization.ToString();
            var message = presented.StartsWith("Bearer ", StringComparison.Ordinal)
                ? $"Incorrect API key provided: {MaskLikeOpenAI(presented["Bearer ".Length..])}. You can find your API key at https://platform.openai.com/account/api-keys."
                : "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
            await WriteErrorAsync(context, 401, message, "invalid_request_error", "invalid_api_key").ConfigureAwait(false);
            return;
        }

        if (listsModels)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(ModelList, aborted).ConfigureAwait(false);
            return;
        }

        if (!ChatCall.TryParse(body, out var call))
        {
            await WriteErrorAsync(
                context,
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                "invalid_request_error",
                null).ConfigureAwait(false);
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
            default:
                var answer = Answer.For(script, call, Tokenizer, HonoursMaxTokens);
                if (call.Stream)
                {
                    await WriteStreamAsync(context, call, answer, script).ConfigureAwait(false);
                }
                else
                {
                    await WriteCompletionAsync(context, call, answer).ConfigureAwait(false);
                }

                break;
        }
    }

    private async Task WriteCompletionAsync(HttpContext context, ChatCall call, Answer answer)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.Headers["x-request-id"] = "req_" + NextId();

        using (var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, "chatcmpl-" + NextId());
            json.WriteString("object"u8, "chat.completion"u8);
            json.WriteNumber("created"u8, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            json.WriteString("model"u8, ResponseModel ?? call.Model);
            json.WriteStartArray("choices"u8);
            json.WriteStartObject();
            json.WriteNumber("index"u8, 0);
            json.WriteStartObject("message"u8);
            json.WriteString("role"u8, "assistant"u8);
            json.WriteString("content"u8, string.Concat(answer.Pieces));
            json.WriteNull("refusal"u8);
            json.WriteStartArray("annotations"u8);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteNull("logprobs"u8);
            json.WriteString("finish_reason"u8, answer.FinishReason);
            json.WriteEndObject();
            json.WriteEndArray();
            if (ReportsUsage)
            {
                WriteUsage(json, answer.Usage);
            }

            json.WriteString("service_tier"u8, "default"u8);
            json.WriteString("system_fingerprint"u8, Fingerprint);
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteStreamAsync(HttpContext context, ChatCall call, Answer answer, Script script)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        StartEventStream(response);
        response.Headers["x-request-id"] = "req_" + NextId();

        var chunk = new ChunkWriter(
            response.BodyWriter,
            "chatcmpl-" + NextId(),
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ResponseModel ?? call.Model,
            call.IncludeUsage && ReportsUsage);

        chunk.Write(role: "assistant", content: string.Empty, finishReason: null);
        await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);

        for (var i = 0; i < answer.Pieces.Count; i++)
        {
            if (i > 0 && script.PieceDelay > TimeSpan.Zero)
            {
                await Task.Delay(script.PieceDelay, aborted).ConfigureAwait(false);
            }

            if (i == 1 && script.Gate is { } gate)
            {
                await gate.WaitAsync(aborted).ConfigureAwait(false);
            }

            chunk.Write(role: null, content: answer.Pieces[i], finishReason: null);
            await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
        }

        switch (script.Ending)
        {
            case StreamEnding.Stall:
                await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                return;
            case StreamEnding.Truncate:
                return;
        }

        chunk.Write(role: null, content: null, finishReason: answer.FinishReason);
        if (call.IncludeUsage && ReportsUsage)
        {
            chunk.WriteUsage(answer.Usage);
        }

        BeginEvent(response.BodyWriter);
        response.BodyWriter.Write("[DONE]"u8);
        EndEvent(response.BodyWriter);
        await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
    }

    private static Task WriteScriptedErrorAsync(HttpContext context, Script script)
    {
        var (type, code, defaultMessage) = script.Status switch
        {
            401 => ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
            403 => ("invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"),
            404 => ("invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
            429 => ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."),
            >= 500 => ("server_error", (string?)null, "The server had an error while processing your request. Sorry about that!"),
            _ => ("invalid_request_error", null, "Invalid request."),
        };

        SetRetryAfter(context.Response, "Retry-After", script.RetryAfter);
        return WriteErrorAsync(context, script.Status, script.ErrorMessage ?? defaultMessage, type, code);
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string message, string type, string? code)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        using (var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartObject("error"u8);
            json.WriteString("message"u8, message);
            json.WriteString("type"u8, type);
            json.WriteNull("param"u8);
            if (code is null)
            {
                json.WriteNull("code"u8);
            }
            else
            {
                json.WriteString("code"u8, code);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteUsage(Utf8JsonWriter json, FakeUsage usage)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, usage.PromptTokens);
        json.WriteNumber("completion_tokens"u8, usage.CompletionTokens);
        json.WriteNumber("total_tokens"u8, usage.PromptTokens + usage.CompletionTokens);
        json.WriteStartObject("prompt_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, usage.CachedTokens);
        json.WriteNumber("audio_tokens"u8, 0);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details"u8);
        json.WriteNumber("reasoning_tokens"u8, 0);
        json.WriteNumber("audio_tokens"u8, 0);
        json.WriteNumber("accepted_prediction_tokens"u8, 0);
        json.WriteNumber("rejected_prediction_tokens"u8, 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string MaskLikeOpenAI(string key) =>
        key.Length <= 12 ? "****" : string.Concat(key.AsSpan(0, 7), new string('*', key.Length - 11), key.AsSpan(key.Length - 4));

    private enum ScriptKind
    {
        Echo,
        Answer,
        Fail,
        Hang,
        Raw,
    }

    private enum StreamEnding
    {
        Complete,
        Stall,
        Truncate,
    }

    private sealed record Script(ScriptKind Kind)
    {
        public static readonly Script Echo = new(ScriptKind.Echo);

        public IReadOnlyList<string> Pieces { get; init; } = [];

        public FakeUsage? Usage { get; init; }

        public string FinishReason { get; init; } = "stop";

        public TimeSpan PieceDelay { get; init; }

        public StreamEnding Ending { get; init; }

        /// <summary>When set, the stream waits for it after its first piece.</summary>
        public Task? Gate { get; init; }

        public int Status { get; init; }

        public string? ErrorMessage { get; init; }

        public TimeSpan? RetryAfter { get; init; }

        public string? RawContentType { get; init; }

        public byte[] RawBody { get; init; } = [];
    }

    /// <summary>What the fake needs from a request body.</summary>
    private readonly record struct ChatCall(
        string Model, bool Stream, bool IncludeUsage, int PromptWords, string? LastUserText, int? MaxTokens, IReadOnlyList<(string Role, string Text)> Messages)
    {
        public static bool TryParse(byte[] body, out ChatCall call)
        {
            call = default;
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }

                var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : string.Empty;
                var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
                var includeUsage = root.TryGetProperty("stream_options", out var o)
                    && o.ValueKind == JsonValueKind.Object
                    && o.TryGetProperty("include_usage", out var u)
                    && u.ValueKind == JsonValueKind.True;

                var words = 0;
                string? lastUser = null;
                var texts = new List<(string Role, string Text)>();
                if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
                {
                    foreach (var message in messages.EnumerateArray())
                    {
                        var text = MessageText(message);
                        words += Words(text).Count;
                        var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : string.Empty;
                        texts.Add((role, text));
                        if (role == "user")
                        {
                            lastUser = text;
                        }
                    }
                }

                int? maxTokens = root.TryGetProperty("max_completion_tokens", out var mct) && mct.ValueKind == JsonValueKind.Number ? mct.GetInt32()
                    : root.TryGetProperty("max_tokens", out var mt) && mt.ValueKind == JsonValueKind.Number ? mt.GetInt32()
                    : null;
                call = new ChatCall(model, stream, includeUsage, words, lastUser, maxTokens, texts);
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private static string MessageText(JsonElement message)
        {
            if (!message.TryGetProperty("content", out var content))
            {
                return string.Empty;
            }

            if (content.ValueKind == JsonValueKind.String)
            {
                return content.GetString()!;
            }

            if (content.ValueKind != JsonValueKind.Array)
            {
                return string.Empty;
            }

            var parts = new List<string>();
            foreach (var part in content.EnumerateArray())
            {
                if (part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    parts.Add(text.GetString()!);
                }
            }

            return string.Join('\n', parts);
        }
    }

    private sealed record Answer(IReadOnlyList<string> Pieces, string FinishReason, FakeUsage Usage)
    {
        public static Answer For(Script script, ChatCall call, Microsoft.ML.Tokenizers.Tokenizer? tokenizer, bool honoursMaxTokens)
        {
            var pieces = script.Kind == ScriptKind.Echo
                ? EchoWords(call.LastUserText)
                : script.Pieces;
            var finishReason = script.FinishReason;
            if (honoursMaxTokens && call.MaxTokens is { } max && Count(pieces, tokenizer) > max)
            {
                pieces = tokenizer is null ? pieces.Take(max).ToArray() : Words(Cut(string.Concat(pieces), tokenizer, max));
                finishReason = "length";
            }

            var usage = script.Usage ?? (tokenizer is null
                ? new FakeUsage(Math.Max(1, call.PromptWords), pieces.Count)
                : new FakeUsage(3 + call.Messages.Sum(m => 3 + tokenizer.CountTokens(m.Role) + tokenizer.CountTokens(m.Text)), Count(pieces, tokenizer)));
            return new Answer(pieces, finishReason, usage);
        }

        private static int Count(IReadOnlyList<string> pieces, Microsoft.ML.Tokenizers.Tokenizer? tokenizer) =>
            tokenizer is null ? pieces.Count : tokenizer.CountTokens(string.Concat(pieces));

        /// <summary>A start of <paramref name="text"/> that counts at most <paramref name="max"/> tokens on its own.</summary>
        private static string Cut(string text, Microsoft.ML.Tokenizers.Tokenizer tokenizer, int max)
        {
            for (var limit = max; ; limit--)
            {
                // A prefix is encoded afresh, so its count can differ from that of the same tokens inside the whole text.
                var start = text[..tokenizer.GetIndexByTokenCount(text, limit, out _, out _)];
                if (tokenizer.CountTokens(start) <= max)
                {
                    return start;
                }
            }
        }
    }

    /// <summary>Writes <c>data: {chunk}\n\n</c> events straight into the response pipe.</summary>
    private sealed class ChunkWriter(PipeWriter output, string id, long created, string model, bool includeUsage)
    {
        private readonly Utf8JsonWriter _json = new(output, WriterOptions);

        public void Write(string? role, string? content, string? finishReason)
        {
            Begin();
            _json.WriteStartArray("choices"u8);
            _json.WriteStartObject();
            _json.WriteNumber("index"u8, 0);
            _json.WriteStartObject("delta"u8);
            if (role is not null)
            {
                _json.WriteString("role"u8, role);
            }

            if (content is not null)
            {
                _json.WriteString("content"u8, content);
            }

            if (role is not null)
            {
                _json.WriteNull("refusal"u8);
            }

            _json.WriteEndObject();
            _json.WriteNull("logprobs"u8);
            if (finishReason is null)
            {
                _json.WriteNull("finish_reason"u8);
            }
            else
            {
                _json.WriteString("finish_reason"u8, finishReason);
            }

            _json.WriteEndObject();
            _json.WriteEndArray();
            if (includeUsage)
            {
                _json.WriteNull("usage"u8);
            }

            End();
        }

        public void WriteUsage(FakeUsage usage)
        {
            Begin();
            _json.WriteStartArray("choices"u8);
            _json.WriteEndArray();
            FakeOpenAIUpstream.WriteUsage(_json, usage);
            End();
        }

        private void Begin()
        {
            BeginEvent(output);
            _json.Reset(output);
            _json.WriteStartObject();
            _json.WriteString("id"u8, id);
            _json.WriteString("object"u8, "chat.completion.chunk"u8);
            _json.WriteNumber("created"u8, created);
            _json.WriteString("model"u8, model);
            _json.WriteString("service_tier"u8, "default"u8);
            _json.WriteString("system_fingerprint"u8, Fingerprint);
        }

        private void End()
        {
            _json.WriteEndObject();
            _json.Flush();
            EndEvent(output);
        }
    }
}
