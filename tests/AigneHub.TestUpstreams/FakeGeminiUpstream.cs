using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AigneHub.TestUpstreams;

/// <summary>
/// A real HTTP server on 127.0.0.1 that answers Google's Gemini API the way Google documents it:
/// <c>POST /v1beta/models/{model}:generateContent</c> with one <c>GenerateContentResponse</c>, and
/// <c>POST /v1beta/models/{model}:streamGenerateContent?alt=sse</c> with a <c>text/event-stream</c> of
/// <c>data: {GenerateContentResponse}</c> events framed by CRLF (one per text piece, the last one carrying the
/// finishReason; every one carrying the usage so far; no end marker: the body just ends). Without <c>alt=sse</c> the
/// stream is a JSON array, as Google sends it. Errors use Google's envelope
/// <c>{"error":{"code","message","status","details"}}</c>.
/// </summary>
/// <remarks>
/// The key must come in <c>x-goog-api-key</c> (or <c>?key=</c>, which the fake accepts as Google does, so that tests
/// can see it was not used): without one the answer is 403 PERMISSION_DENIED; with <see cref="RequiredApiKey"/> set, a
/// different key gets 400 INVALID_ARGUMENT with the ErrorInfo reason API_KEY_INVALID. Scripted per test
/// (<see cref="Reply"/>, <see cref="ReplyStream(string[])"/>, <see cref="Fail"/>, <see cref="Hang"/>, …); the script
/// applies to every request until changed. By default it echoes the last user turn: "You said: …", one prompt token
/// per word of every text part and one candidate token per word of the answer.
/// </remarks>
public sealed partial class FakeGeminiUpstream : FakeUpstreamHost
{
    public const string ApiKeyHeader = "x-goog-api-key";

    private const string ModelsPrefix = "/v1beta/models/";

    private volatile Script _script = Script.Echo;

    private FakeGeminiUpstream()
    {
    }

    /// <summary>"http://127.0.0.1:PORT": the API root a Gemini target's BaseUrl should be ("/v1beta/…" is appended).</summary>
    public string BaseUrl => Origin;

    /// <summary>What <c>GET /v1beta/models</c> answers (Gemini's documented list shape), after the key check.</summary>
    public const string ModelList =
        """{"models":[{"name":"models/gemini-2.5-flash","version":"001","displayName":"Gemini 2.5 Flash","description":"Stable version of Gemini 2.5 Flash","inputTokenLimit":1048576,"outputTokenLimit":65536,"supportedGenerationMethods":["generateContent","countTokens","createCachedContent","batchGenerateContent"]}],"nextPageToken":""}""";

    /// <summary>When set, a request whose key differs gets Google's 400 API_KEY_INVALID.</summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>The <c>modelVersion</c> in answers; null repeats the requested model.</summary>
    public string? ModelVersion { get; set; }

    public static Task<FakeGeminiUpstream> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(new FakeGeminiUpstream(), cancellationToken);

    /// <summary>The default: echo the last user turn.</summary>
    public void Echo() => _script = Script.Echo;

    /// <summary>Answers <paramref name="content"/>; streamed, it is one text piece.</summary>
    /// <param name="finishReason">Gemini's value: STOP, MAX_TOKENS, SAFETY, RECITATION, …</param>
    /// <param name="thought">A thought summary sent before the answer as a part with <c>"thought": true</c>.</param>
    public void Reply(string content, UsageMetadata? usage = null, string finishReason = "STOP", string? thought = null) =>
        _script = new Script(ScriptKind.Answer) { Pieces = [content], Usage = usage, FinishReason = finishReason, Thought = thought };

    /// <summary>Streams one event per piece; a non-streamed request gets the pieces joined as one text part.</summary>
    public void ReplyStream(params string[] pieces) => ReplyStream(pieces, usage: null);

    /// <param name="finishReasonOnEveryChunk">Repeat the finish reason on every event, as Gemini 1.0 models did.</param>
    public void ReplyStream(
        string[] pieces,
        UsageMetadata? usage,
        TimeSpan? delayBetweenPieces = null,
        string finishReason = "STOP",
        string? thought = null,
        bool finishReasonOnEveryChunk = false) =>
        _script = new Script(ScriptKind.Answer)
        {
            Pieces = pieces,
            Usage = usage,
            FinishReason = finishReason,
            Thought = thought,
            PieceDelay = delayBetweenPieces ?? TimeSpan.Zero,
            FinishReasonOnEveryChunk = finishReasonOnEveryChunk,
        };

    /// <summary>Sends the pieces, then neither finishes nor closes the stream.</summary>
    public void StallStream(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Stall };

    /// <summary>Sends the whole answer, finish reason included, then keeps the stream open.</summary>
    public void StallStreamAfterFinish(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.StallAfterFinish };

    /// <summary>Sends the pieces, then ends the body without a finish reason.</summary>
    public void TruncateStream(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Truncate };

    /// <summary>Sends the pieces, then an error envelope as an event, then ends the body.</summary>
    public void FailMidStream(string[] pieces, string errorMessage = "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting") =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Error, ErrorMessage = errorMessage };

    /// <summary>Refuses the prompt as Gemini does: HTTP 200, <c>promptFeedback.blockReason</c> and no candidates.</summary>
    /// <param name="blockReason">SAFETY, OTHER, BLOCKLIST, PROHIBITED_CONTENT, IMAGE_SAFETY.</param>
    public void BlockPrompt(string blockReason = "SAFETY") =>
        _script = new Script(ScriptKind.Blocked) { BlockReason = blockReason };

    /// <summary>
    /// Answers with Google's error envelope for <paramref name="status"/>. <paramref name="retryAfter"/> becomes a
    /// Retry-After header (whole seconds); <paramref name="retryDelay"/> a <c>google.rpc.RetryInfo</c> detail.
    /// </summary>
    public void Fail(int status, string? errorMessage = null, TimeSpan? retryAfter = null, TimeSpan? retryDelay = null) =>
        _script = new Script(ScriptKind.Fail) { Status = status, ErrorMessage = errorMessage, RetryAfter = retryAfter, RetryDelay = retryDelay };

    /// <summary>Answers what Google sends for a wrong or expired key: 400 INVALID_ARGUMENT, reason API_KEY_INVALID.</summary>
    public void FailWithInvalidApiKey(string errorMessage = "API key not valid. Please pass a valid API key.") =>
        _script = new Script(ScriptKind.InvalidKey) { ErrorMessage = errorMessage };

    /// <summary>Accepts the request and never sends response headers.</summary>
    public void Hang() => _script = new Script(ScriptKind.Hang);

    /// <summary>Answers with exactly these bytes (e.g. malformed JSON, a proxy's page) and headers.</summary>
    public void RespondRaw(int status, string contentType, string body, IReadOnlyDictionary<string, string>? headers = null) =>
        _script = new Script(ScriptKind.Raw)
        {
            Status = status,
            RawContentType = contentType,
            RawBody = Encoding.UTF8.GetBytes(body),
            RawHeaders = headers ?? new Dictionary<string, string>(),
        };

    /// <summary>Back to the echo script, with no recorded requests and a fresh <see cref="ClientAborted"/>.</summary>
    public override void Reset()
    {
        base.Reset();
        _script = Script.Echo;
        RequiredApiKey = null;
        ModelVersion = null;
    }

    protected override async Task AnswerAsync(HttpContext context, byte[] body)
    {
        var aborted = context.RequestAborted;
        var script = _script;
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && request.Path == "/v1beta/models")
        {
            if (await AuthenticateAsync(context).ConfigureAwait(false))
            {
                context.Response.ContentType = "application/json; charset=UTF-8";
                await context.Response.WriteAsync(ModelList, aborted).ConfigureAwait(false);
            }

            return;
        }

        if (await TryAnswerMediaAsync(context, body, script).ConfigureAwait(false))
        {
            return;
        }

        if (!TryParseRoute(request, out var model, out var method))
        {
            await WriteErrorAsync(context, 404, "Requested entity was not found.", null).ConfigureAwait(false);
            return;
        }

        if (!await AuthenticateAsync(context).ConfigureAwait(false))
        {
            return;
        }

        if (!GenerateCall.TryParse(body, out var call, out var invalid))
        {
            await WriteErrorAsync(context, 400, invalid, null).ConfigureAwait(false);
            return;
        }

        await DelayAsync(aborted).ConfigureAwait(false);

        var modelVersion = ModelVersion ?? model;
        var streaming = method == "streamGenerateContent";
        var sse = streaming && request.Query["alt"] == "sse";
        switch (script.Kind)
        {
            case ScriptKind.Fail:
                await WriteScriptedErrorAsync(context, script, model).ConfigureAwait(false);
                break;
            case ScriptKind.InvalidKey:
                await WriteInvalidKeyAsync(context, script.ErrorMessage!).ConfigureAwait(false);
                break;
            case ScriptKind.Hang:
                await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                break;
            case ScriptKind.Raw:
                await WriteRawAsync(context, script.Status, script.RawContentType, script.RawBody, script.RawHeaders).ConfigureAwait(false);
                break;
            case ScriptKind.Blocked:
                await WriteBlockedAsync(context, call, script, modelVersion, streaming, sse).ConfigureAwait(false);
                break;
            default:
                var answer = Answer.For(script, call);
                if (streaming)
                {
                    await WriteStreamAsync(context, answer, script, modelVersion, sse).ConfigureAwait(false);
                }
                else
                {
                    await WriteResponseAsync(context, answer, modelVersion).ConfigureAwait(false);
                }

                break;
        }
    }

    /// <summary>"POST /v1beta/models/{model}:{method}" with one of the two generate methods.</summary>
    private static bool TryParseRoute(HttpRequest request, out string model, out string method)
    {
        model = string.Empty;
        method = string.Empty;
        var path = request.Path.Value ?? string.Empty;
        if (!HttpMethods.IsPost(request.Method) || !path.StartsWith(ModelsPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = path[ModelsPrefix.Length..];
        var colon = rest.LastIndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        model = rest[..colon];
        method = rest[(colon + 1)..];
        return method is "generateContent" or "streamGenerateContent";
    }

    private async Task<bool> AuthenticateAsync(HttpContext context)
    {
        var request = context.Request;
        var presented = request.Headers[ApiKeyHeader].ToString();
        if (presented.Length == 0)
        {
            presented = request.Query["key"].ToString();
        }

        if (presented.Length == 0)
        {
            await WriteErrorAsync(
                context,
                403,
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
                null).ConfigureAwait(false);
            return false;
        }

        if (RequiredApiKey is { } key && presented != key)
        {
            await WriteInvalidKeyAsync(context, "API key not valid. Please pass a valid API key.").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private async Task WriteResponseAsync(HttpContext context, Answer answer, string modelVersion)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/json; charset=UTF-8";
        using (var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartArray("candidates"u8);
            json.WriteStartObject();
            json.WriteStartObject("content"u8);
            json.WriteStartArray("parts"u8);
            if (answer.Thought is { } thought)
            {
                WriteTextPart(json, thought, isThought: true);
            }

            WriteTextPart(json, string.Concat(answer.Pieces), isThought: false);
            json.WriteEndArray();
            json.WriteString("role"u8, "model"u8);
            json.WriteEndObject();
            json.WriteString("finishReason"u8, answer.FinishReason);
            json.WriteNumber("avgLogprobs"u8, -0.125);
            json.WriteEndObject();
            json.WriteEndArray();
            WriteUsage(json, answer.Usage, answer.Usage.CandidatesTokens);
            json.WriteString("modelVersion"u8, modelVersion);
            json.WriteString("responseId"u8, NewResponseId());
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteStreamAsync(HttpContext context, Answer answer, Script script, string modelVersion, bool sse)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        StartEventStream(response, sse ? "text/event-stream" : "application/json; charset=UTF-8");

        var events = new EventWriter(response.BodyWriter, sse, NewResponseId(), modelVersion);
        if (answer.Thought is { } thought)
        {
            events.WriteChunk(thought, isThought: true, finishReason: null, answer.Usage, candidatesSoFar: 0);
            await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
        }

        var finishes = script.Ending is StreamEnding.Complete or StreamEnding.StallAfterFinish;
        var pieces = answer.Pieces;
        for (var i = 0; i < pieces.Count; i++)
        {
            if (i > 0 && script.PieceDelay > TimeSpan.Zero)
            {
                await Task.Delay(script.PieceDelay, aborted).ConfigureAwait(false);
            }

            // The last piece carries the finish reason and the final usage, as Gemini's last chunk does.
            var last = i == pieces.Count - 1;
            var finishReason = finishes && (last || script.FinishReasonOnEveryChunk) ? answer.FinishReason : null;
            var candidatesSoFar = last && finishes ? answer.Usage.CandidatesTokens : Math.Min(i + 1, answer.Usage.CandidatesTokens);
            events.WriteChunk(pieces[i], isThought: false, finishReason, answer.Usage, candidatesSoFar);
            await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
        }

        if (pieces.Count == 0 && finishes)
        {
            // A filtered answer: a candidate with a finish reason and no content.
            events.WriteChunk(null, isThought: false, answer.FinishReason, answer.Usage, answer.Usage.CandidatesTokens);
        }

        switch (script.Ending)
        {
            case StreamEnding.Stall or StreamEnding.StallAfterFinish:
                await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
                await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                return;
            case StreamEnding.Error:
                events.WriteError(500, script.ErrorMessage ?? "Internal error.", "INTERNAL");
                break;
        }

        events.End();
        await FlushAsync(response.BodyWriter, aborted).ConfigureAwait(false);
    }

    private async Task WriteBlockedAsync(HttpContext context, GenerateCall call, Script script, string modelVersion, bool streaming, bool sse)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = sse ? "text/event-stream" : "application/json; charset=UTF-8";
        var events = new EventWriter(response.BodyWriter, sse, NewResponseId(), modelVersion);
        if (streaming)
        {
            events.WriteBlocked(script.BlockReason!, call.PromptWords);
            events.End();
        }
        else
        {
            using var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions);
            EventWriter.WriteBlockedResponse(json, script.BlockReason!, call.PromptWords, modelVersion, NewResponseId());
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteScriptedErrorAsync(HttpContext context, Script script, string model)
    {
        var defaultMessage = script.Status switch
        {
            400 => "Request contains an invalid argument.",
            401 => "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            403 => "The caller does not have permission",
            404 => $"models/{model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
            429 => "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.",
            500 => "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
            503 => "The model is overloaded. Please try again later.",
            504 => "Deadline expired before operation could complete.",
            _ => "Unknown error.",
        };

        SetRetryAfter(context.Response, "Retry-After", script.RetryAfter);
        return WriteErrorAsync(context, script.Status, script.ErrorMessage ?? defaultMessage, json =>
        {
            if (script.Status == 429)
            {
                json.WriteStartObject();
                json.WriteString("@type"u8, "type.googleapis.com/google.rpc.QuotaFailure"u8);
                json.WriteStartArray("violations"u8);
                json.WriteStartObject();
                json.WriteString("quotaMetric"u8, "generativelanguage.googleapis.com/generate_content_free_tier_requests"u8);
                json.WriteString("quotaId"u8, "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"u8);
                json.WriteStartObject("quotaDimensions"u8);
                json.WriteString("location"u8, "global"u8);
                json.WriteString("model"u8, model);
                json.WriteEndObject();
                json.WriteString("quotaValue"u8, "10"u8);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
            }

            if (script.RetryDelay is { } delay)
            {
                json.WriteStartObject();
                json.WriteString("@type"u8, "type.googleapis.com/google.rpc.RetryInfo"u8);
                json.WriteString("retryDelay"u8, FormatDuration(delay));
                json.WriteEndObject();
            }
        });
    }

    private static Task WriteInvalidKeyAsync(HttpContext context, string message) =>
        WriteErrorAsync(context, 400, message, json =>
        {
            json.WriteStartObject();
            json.WriteString("@type"u8, "type.googleapis.com/google.rpc.ErrorInfo"u8);
            json.WriteString("reason"u8, "API_KEY_INVALID"u8);
            json.WriteString("domain"u8, "googleapis.com"u8);
            json.WriteStartObject("metadata"u8);
            json.WriteString("service"u8, "generativelanguage.googleapis.com"u8);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject();
            json.WriteString("@type"u8, "type.googleapis.com/google.rpc.LocalizedMessage"u8);
            json.WriteString("locale"u8, "en-US"u8);
            json.WriteString("message"u8, message);
            json.WriteEndObject();
        });

    /// <summary>Google's envelope: the HTTP status as <c>code</c>, its google.rpc name as <c>status</c>.</summary>
    private static async Task WriteErrorAsync(HttpContext context, int status, string message, Action<Utf8JsonWriter>? writeDetails)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=UTF-8";
        using (var json = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            WriteErrorObject(json, status, message, StatusName(status), writeDetails);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteErrorObject(Utf8JsonWriter json, int code, string message, string status, Action<Utf8JsonWriter>? writeDetails)
    {
        json.WriteStartObject();
        json.WriteStartObject("error"u8);
        json.WriteNumber("code"u8, code);
        json.WriteString("message"u8, message);
        json.WriteString("status"u8, status);
        if (writeDetails is not null)
        {
            json.WriteStartArray("details"u8);
            writeDetails(json);
            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static string StatusName(int status) => status switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        429 => "RESOURCE_EXHAUSTED",
        499 => "CANCELLED",
        500 => "INTERNAL",
        501 => "NOT_IMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "UNKNOWN",
    };

    /// <summary>A <c>google.protobuf.Duration</c> as JSON writes it: "22s", "1.500s".</summary>
    private static string FormatDuration(TimeSpan delay) =>
        delay.Ticks % TimeSpan.TicksPerSecond == 0
            ? ((long)delay.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : delay.TotalSeconds.ToString("0.000######", CultureInfo.InvariantCulture) + "s";

    private static void WriteTextPart(Utf8JsonWriter json, string text, bool isThought)
    {
        json.WriteStartObject();
        json.WriteString("text"u8, text);
        if (isThought)
        {
            json.WriteBoolean("thought"u8, true);
        }

        json.WriteEndObject();
    }

    /// <summary>Gemini's usage metadata; counts at zero are left out, as protocol-buffer JSON does.</summary>
    private static void WriteUsage(Utf8JsonWriter json, UsageMetadata usage, int candidates)
    {
        json.WriteStartObject("usageMetadata"u8);
        json.WriteNumber("promptTokenCount"u8, usage.PromptTokens);
        if (candidates > 0)
        {
            json.WriteNumber("candidatesTokenCount"u8, candidates);
        }

        json.WriteNumber("totalTokenCount"u8, usage.PromptTokens + candidates + usage.ThoughtsTokens);
        if (usage.CachedTokens > 0)
        {
            json.WriteNumber("cachedContentTokenCount"u8, usage.CachedTokens);
        }

        json.WriteStartArray("promptTokensDetails"u8);
        json.WriteStartObject();
        json.WriteString("modality"u8, "TEXT"u8);
        json.WriteNumber("tokenCount"u8, usage.PromptTokens);
        json.WriteEndObject();
        json.WriteEndArray();
        if (usage.ThoughtsTokens > 0)
        {
            json.WriteNumber("thoughtsTokenCount"u8, usage.ThoughtsTokens);
        }

        json.WriteEndObject();
    }

    /// <summary>Every request is recorded with its query string (<see cref="RecordedRequest.Path"/>), where Gemini may carry the key.</summary>
    protected override string RecordedPath(HttpContext context) => base.RecordedPath(context) + context.Request.QueryString.Value;

    /// <summary>Gemini's response ids are 22 or so URL-safe base64 characters.</summary>
    private string NewResponseId() => "fake" + NextId() + "-Zq81bV3mN5";

    /// <summary>Token counts the fake reports: Gemini's <c>usageMetadata</c>.</summary>
    /// <param name="CandidatesTokens">The answer's tokens, thoughts excluded (<c>candidatesTokenCount</c>).</param>
    /// <param name="CachedTokens">Prompt tokens served from the cache (<c>cachedContentTokenCount</c>).</param>
    /// <param name="ThoughtsTokens">The model's thinking (<c>thoughtsTokenCount</c>).</param>
    public sealed record UsageMetadata(int PromptTokens, int CandidatesTokens, int CachedTokens = 0, int ThoughtsTokens = 0);

    private enum ScriptKind
    {
        Echo,
        Answer,
        Blocked,
        Fail,
        InvalidKey,
        Hang,
        Raw,
    }

    private enum StreamEnding
    {
        Complete,
        Stall,
        StallAfterFinish,
        Truncate,
        Error,
    }

    private sealed record Script(ScriptKind Kind)
    {
        public static readonly Script Echo = new(ScriptKind.Echo);

        public IReadOnlyList<string> Pieces { get; init; } = [];

        public UsageMetadata? Usage { get; init; }

        public string FinishReason { get; init; } = "STOP";

        public string? Thought { get; init; }

        public bool FinishReasonOnEveryChunk { get; init; }

        public TimeSpan PieceDelay { get; init; }

        public StreamEnding Ending { get; init; }

        public string? BlockReason { get; init; }

        public int Status { get; init; }

        public string? ErrorMessage { get; init; }

        public TimeSpan? RetryAfter { get; init; }

        public TimeSpan? RetryDelay { get; init; }

        public string? RawContentType { get; init; }

        public byte[] RawBody { get; init; } = [];

        public IReadOnlyDictionary<string, string> RawHeaders { get; init; } = new Dictionary<string, string>();
    }

    /// <summary>What the fake needs from a <c>GenerateContentRequest</c>, after checking it the way Gemini does.</summary>
    private readonly record struct GenerateCall(int PromptWords, string? LastUserText)
    {
        public static bool TryParse(byte[] body, out GenerateCall call, out string invalid)
        {
            call = default;
            invalid = string.Empty;
            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    invalid = "Invalid JSON payload received. Expected an object.";
                    return false;
                }

                if (!root.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array || contents.GetArrayLength() == 0)
                {
                    invalid = "* GenerateContentRequest.contents: contents is not specified\n";
                    return false;
                }

                var words = 0;
                if (root.TryGetProperty("systemInstruction", out var system) || root.TryGetProperty("system_instruction", out system))
                {
                    words += Words(TextOf(system)).Count;
                }

                string? lastUser = null;
                foreach (var content in contents.EnumerateArray())
                {
                    var role = content.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : "user";
                    if (role is not ("user" or "model"))
                    {
                        invalid = "Please use a valid role: user, model.";
                        return false;
                    }

                    if (!content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() == 0)
                    {
                        invalid = "* GenerateContentRequest.contents.parts: contents.parts must not be empty.\n";
                        return false;
                    }

                    var text = TextOf(content);
                    words += Words(text).Count;
                    if (role == "user")
                    {
                        lastUser = text;
                    }
                }

                call = new GenerateCall(words, lastUser);
                return true;
            }
            catch (JsonException)
            {
                invalid = "Invalid JSON payload received. Unexpected token.";
                return false;
            }
        }

        private static string TextOf(JsonElement content)
        {
            if (content.ValueKind != JsonValueKind.Object || !content.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
            {
                return string.Empty;
            }

            var texts = new List<string>();
            foreach (var part in parts.EnumerateArray())
            {
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    texts.Add(text.GetString()!);
                }
            }

            return string.Join('\n', texts);
        }
    }

    private sealed record Answer(IReadOnlyList<string> Pieces, string FinishReason, string? Thought, UsageMetadata Usage)
    {
        public static Answer For(Script script, GenerateCall call)
        {
            var pieces = script.Kind == ScriptKind.Echo
                ? EchoWords(call.LastUserText)
                : script.Pieces;
            var usage = script.Usage ?? new UsageMetadata(Math.Max(1, call.PromptWords), pieces.Count, 0, script.Thought is null ? 0 : Words(script.Thought).Count);
            return new Answer(pieces, script.FinishReason, script.Thought, usage);
        }
    }

    /// <summary>
    /// Writes a streamed answer straight into the response pipe: with <c>alt=sse</c> one
    /// <c>data: {GenerateContentResponse}\r\n\r\n</c> event per chunk; without it a JSON array of the same objects.
    /// </summary>
    private sealed class EventWriter(PipeWriter output, bool sse, string responseId, string modelVersion)
    {
        private readonly Utf8JsonWriter _json = new(output, WriterOptions);
        private bool _wroteAny;

        public void WriteChunk(string? text, bool isThought, string? finishReason, UsageMetadata usage, int candidatesSoFar)
        {
            Begin();
            _json.WriteStartArray("candidates"u8);
            _json.WriteStartObject();
            if (text is not null)
            {
                _json.WriteStartObject("content"u8);
                _json.WriteStartArray("parts"u8);
                WriteTextPart(_json, text, isThought);
                _json.WriteEndArray();
                _json.WriteString("role"u8, "model"u8);
                _json.WriteEndObject();
            }

            if (finishReason is not null)
            {
                _json.WriteString("finishReason"u8, finishReason);

                // Protocol-buffer JSON leaves index 0 out; Gemini's final chunk has it, the others do not.
                _json.WriteNumber("index"u8, 0);
            }

            _json.WriteEndObject();
            _json.WriteEndArray();
            WriteUsage(_json, usage, candidatesSoFar);
            _json.WriteString("modelVersion"u8, modelVersion);
            _json.WriteString("responseId"u8, responseId);
            _json.WriteEndObject();
            Finish();
        }

        public void WriteBlocked(string blockReason, int promptWords)
        {
            BeginRaw();
            WriteBlockedResponse(_json, blockReason, promptWords, modelVersion, responseId);
            Finish();
        }

        public static void WriteBlockedResponse(Utf8JsonWriter json, string blockReason, int promptWords, string modelVersion, string responseId)
        {
            json.WriteStartObject();
            json.WriteStartObject("promptFeedback"u8);
            json.WriteString("blockReason"u8, blockReason);
            json.WriteStartArray("safetyRatings"u8);
            json.WriteStartObject();
            json.WriteString("category"u8, "HARM_CATEGORY_DANGEROUS_CONTENT"u8);
            json.WriteString("probability"u8, "HIGH"u8);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("usageMetadata"u8);
            json.WriteNumber("promptTokenCount"u8, Math.Max(1, promptWords));
            json.WriteNumber("totalTokenCount"u8, Math.Max(1, promptWords));
            json.WriteEndObject();
            json.WriteString("modelVersion"u8, modelVersion);
            json.WriteString("responseId"u8, responseId);
            json.WriteEndObject();
            json.Flush();
        }

        public void WriteError(int code, string message, string status)
        {
            BeginRaw();
            WriteErrorObject(_json, code, message, status, writeDetails: null);
            Finish();
        }

        /// <summary>An SSE stream just ends; the JSON array is closed.</summary>
        public void End()
        {
            if (!sse)
            {
                output.Write(_wroteAny ? "]"u8 : "[]"u8);
            }
        }

        private void Begin()
        {
            BeginRaw();
            _json.WriteStartObject();
        }

        private void BeginRaw()
        {
            if (sse)
            {
                BeginEvent(output);
            }
            else
            {
                output.Write(_wroteAny ? ",\r\n"u8 : "["u8);
            }

            _wroteAny = true;
            _json.Reset(output);
        }

        private void Finish()
        {
            _json.Flush();
            if (sse)
            {
                EndEvent(output, crlf: true);
            }
        }
    }
}
