using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AigneHub.TestUpstreams;

/// <summary>Token counts a fake Bedrock upstream reports (Converse's usage object).</summary>
public sealed record FakeBedrockUsage(int InputTokens, int OutputTokens, int CacheReadInputTokens = 0);

/// <summary>
/// A tool call a fake Bedrock answers with: a <c>toolUse</c> block (input as the object <paramref name="InputJson"/>)
/// when not streamed; streamed, a <c>contentBlockStart</c> with the id and name, then one <c>contentBlockDelta</c> per
/// fragment of <paramref name="InputJson"/> (the fragments, concatenated, must be it).
/// </summary>
public sealed record FakeBedrockToolUse(string ToolUseId, string Name, string InputJson, IReadOnlyList<string>? InputFragments = null)
{
    public IReadOnlyList<string> Fragments => InputFragments ?? [InputJson];
}

/// <summary>
/// A real HTTP server on 127.0.0.1 that answers Bedrock Runtime's <c>POST /model/{modelId}/converse</c> with Converse
/// JSON and <c>/converse-stream</c> with real binary <c>application/vnd.amazon.eventstream</c> frames (CRC-32 checked
/// prelude and message), after verifying the request's AWS Signature V4 by recomputing it with the known secret, as
/// AWS does: a wrong key id or signature gets Bedrock's 403 and error JSON.
/// </summary>
/// <remarks>
/// Its signer is written separately from the hub's, so a shared misreading of the specification would have to be made
/// twice. Scripted per test; the script applies to every request until changed. By default it echoes the last user
/// text: "You said: …", one input token per word of the messages and system blocks, one output token per piece.
/// </remarks>
public sealed partial class FakeBedrockUpstream : FakeUpstreamHost
{
    public const string DefaultAccessKeyId = "ASIAFAKEBEDROCK00001";
    public const string DefaultSecretAccessKey = "fAkE/SeCrEt+bEdRoCkKeY0123456789abcdefGHI";
    public const string DefaultRegion = "us-east-1";

    private volatile Script _script = Script.Echo;

    private FakeBedrockUpstream()
    {
    }

    /// <summary>"http://127.0.0.1:PORT": the endpoint, as Bedrock's is https://bedrock-runtime.REGION.amazonaws.com.</summary>
    public string BaseUrl => Origin;

    public string AccessKeyId { get; set; } = DefaultAccessKeyId;

    public string SecretAccessKey { get; set; } = DefaultSecretAccessKey;

    public string Region { get; set; } = DefaultRegion;

    public static Task<FakeBedrockUpstream> StartAsync(CancellationToken cancellationToken = default) =>
        StartAsync(new FakeBedrockUpstream(), cancellationToken);

    /// <summary>The default: echo the last user text.</summary>
    public void Echo() => _script = Script.Echo;

    /// <summary>Answers these pieces (joined when not streamed), with this stop reason and usage.</summary>
    public void Reply(string[] pieces, FakeBedrockUsage? usage = null, string stopReason = "end_turn") =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Usage = usage, StopReason = stopReason };

    /// <summary>
    /// Answers the text pieces (none for no text block), then these tool calls, with stop reason <c>tool_use</c>.
    /// </summary>
    public void ReplyWithToolUse(string[] textPieces, IReadOnlyList<FakeBedrockToolUse> toolUses, FakeBedrockUsage? usage = null) =>
        _script = new Script(ScriptKind.Answer) { Pieces = textPieces, ToolUses = toolUses, Usage = usage, StopReason = "tool_use" };

    /// <summary>Answers <paramref name="status"/> with Bedrock's error JSON and <c>x-amzn-ErrorType</c>.</summary>
    public void Fail(int status, string errorType, string message) =>
        _script = new Script(ScriptKind.Fail) { Status = status, ErrorType = errorType, ErrorMessage = message };

    /// <summary>Streams <c>messageStart</c> and the pieces, then an exception message of this type.</summary>
    public void FailMidStream(string exceptionType, string message, params string[] piecesBefore) =>
        _script = new Script(ScriptKind.Answer) { Pieces = piecesBefore, Ending = StreamEnding.Exception, ErrorType = exceptionType, ErrorMessage = message };

    /// <summary>Streams <c>messageStart</c> and the pieces, then a frame whose message CRC is wrong.</summary>
    public void CorruptStream(params string[] piecesBefore) =>
        _script = new Script(ScriptKind.Answer) { Pieces = piecesBefore, Ending = StreamEnding.Corrupt };

    /// <summary>Streams <c>messageStart</c> and the pieces, then neither finishes nor closes the stream.</summary>
    public void StallStream(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Stall };

    /// <summary>Streams <c>messageStart</c> and the pieces, then ends the body without <c>messageStop</c>.</summary>
    public void TruncateStream(params string[] pieces) =>
        _script = new Script(ScriptKind.Answer) { Pieces = pieces, Ending = StreamEnding.Truncate };

    /// <summary>Accepts the request and never sends response headers.</summary>
    public void Hang() => _script = new Script(ScriptKind.Hang);

    /// <summary>Back to the echo script, with no recorded requests and a fresh <see cref="FakeUpstreamHost.ClientAborted"/>.</summary>
    public override void Reset()
    {
        base.Reset();
        _script = Script.Echo;
    }

    /// <summary>One event-stream frame, with both CRCs right (or the message CRC deliberately wrong).</summary>
    public static byte[] Frame(IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlySpan<byte> payload, bool corruptMessageCrc = false)
    {
        using var headerBytes = new MemoryStream();
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            headerBytes.WriteByte((byte)nameBytes.Length);
            headerBytes.Write(nameBytes);
            headerBytes.WriteByte(7);
            headerBytes.WriteByte((byte)(valueBytes.Length >> 8));
            headerBytes.WriteByte((byte)valueBytes.Length);
            headerBytes.Write(valueBytes);
        }

        var total = 12 + (int)headerBytes.Length + payload.Length + 4;
        var frame = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)headerBytes.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), Crc32.HashToUInt32(frame.AsSpan(0, 8)));
        headerBytes.ToArray().CopyTo(frame, 12);
        payload.CopyTo(frame.AsSpan(12 + (int)headerBytes.Length));
        var crc = Crc32.HashToUInt32(frame.AsSpan(0, total - 4));
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(total - 4), corruptMessageCrc ? ~crc : crc);
        return frame;
    }

    /// <summary>An <c>event</c> frame of this type with a JSON payload.</summary>
    public static byte[] EventFrame(string eventType, string json) =>
        Frame([new(":event-type", eventType), new(":content-type", "application/json"), new(":message-type", "event")], Encoding.UTF8.GetBytes(json));

    /// <summary>An <c>exception</c> frame of this type whose payload is <c>{"message": …}</c>.</summary>
    public static byte[] ExceptionFrame(string exceptionType, string message) =>
        Frame(
            [new(":exception-type", exceptionType), new(":content-type", "application/json"), new(":message-type", "exception")],
            JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["message"] = message }));

    protected override async Task AnswerAsync(HttpContext context, byte[] body)
    {
        var aborted = context.RequestAborted;
        var script = _script;
        var rawTarget = RawTarget(context);
        var rawPath = RecordedPath(context);
        var segments = rawPath.Split('/');
        if (!HttpMethods.IsPost(context.Request.Method) || segments.Length != 4 || segments[1] != "model"
            || segments[3] is not ("converse" or "converse-stream" or "invoke"))
        {
            await WriteErrorAsync(context, 404, "UnknownOperationException", null).ConfigureAwait(false);
            return;
        }

        if (VerifySignature(context.Request, rawTarget, body) is { } refusal)
        {
            await WriteErrorAsync(context, 403, refusal.Type, refusal.Message).ConfigureAwait(false);
            return;
        }

        if (segments[3] == "invoke")
        {
            await AnswerInvokeAsync(context, body, script).ConfigureAwait(false);
            return;
        }

        string? lastUser;
        int promptWords;
        string? toolRule;
        try
        {
            (lastUser, promptWords) = ReadConversation(body);
            toolRule = ToolRuleBroken(body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            await WriteErrorAsync(context, 400, "ValidationException", "Malformed input request, please reformat your input and try again.").ConfigureAwait(false);
            return;
        }

        if (toolRule is not null)
        {
            await WriteErrorAsync(context, 400, "ValidationException", toolRule).ConfigureAwait(false);
            return;
        }

        await DelayAsync(aborted).ConfigureAwait(false);
        if (await TryFailOrHangAsync(context, script).ConfigureAwait(false))
        {
            return;
        }

        var pieces = script.Kind == ScriptKind.Echo ? ["You said: ", lastUser ?? "nothing"] : script.Pieces;
        var usage = script.Usage ?? new FakeBedrockUsage(Math.Max(1, promptWords), pieces.Count);
        if (segments[3] == "converse")
        {
            await WriteConverseAsync(context, pieces, usage, script.StopReason, script.ToolUses).ConfigureAwait(false);
        }
        else
        {
            await WriteStreamAsync(context, pieces, usage, script).ConfigureAwait(false);
        }
    }

    /// <summary>Answers a scripted failure (Bedrock's error JSON) or hangs; false for an answer script.</summary>
    private async Task<bool> TryFailOrHangAsync(HttpContext context, Script script)
    {
        switch (script.Kind)
        {
            case ScriptKind.Fail:
                await WriteErrorAsync(context, script.Status, script.ErrorType!, script.ErrorMessage).ConfigureAwait(false);
                return true;
            case ScriptKind.Hang:
                await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Requests are recorded with their path as sent (percent-encoding kept), which the signature covers.</summary>
    protected override string RecordedPath(HttpContext context) => RawTarget(context).Split('?')[0];

    private static string RawTarget(HttpContext context) => context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;

    /// <summary>Recomputes the signature the way AWS documents it; null when the request is properly signed.</summary>
    private (string Type, string Message)? VerifySignature(HttpRequest request, string rawTarget, byte[] body)
    {
        const string Prefix = "AWS4-HMAC-SHA256 ";
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return ("MissingAuthenticationTokenException", "Missing Authentication Token");
        }

        var fields = authorization[Prefix.Length..]
            .Split(',', StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaders)
            || !fields.TryGetValue("Signature", out var signature))
        {
            return ("IncompleteSignatureException", "Authorization header requires Credential, SignedHeaders and Signature.");
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[0] != AccessKeyId)
        {
            return ("UnrecognizedClientException", "The security token included in the request is invalid.");
        }

        var amzDate = request.Headers["x-amz-date"].ToString();
        if (scope[2] != Region || scope[3] != "bedrock" || scope[4] != "aws4_request" || !amzDate.StartsWith(scope[1], StringComparison.Ordinal))
        {
            return ("InvalidSignatureException", "Credential should be scoped to a valid region and service.");
        }

        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (request.Headers["x-amz-content-sha256"].ToString() is { Length: > 0 } claimed && claimed != payloadHash)
        {
            return ("InvalidSignatureException", "The provided x-amz-content-sha256 header does not match what was computed.");
        }

        var names = signedHeaders.Split(';');
        if (!names.Contains("host") || !names.Contains("x-amz-date"))
        {
            return ("InvalidSignatureException", "The host and x-amz-date headers must be signed.");
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method).Append('\n');
        var rawPath = rawTarget.Split('?')[0];
        canonical.Append(string.Join('/', rawPath.Split('/').Select(Encode))).Append('\n');
        canonical.Append('\n');
        foreach (var name in names)
        {
            canonical.Append(name).Append(':').Append(request.Headers[name].ToString().Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var stringToSign = string.Join('\n', "AWS4-HMAC-SHA256", amzDate, string.Join('/', scope[1..]), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString()))));

        var key = Encoding.UTF8.GetBytes("AWS4" + SecretAccessKey);
        foreach (var part in scope[1..])
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature))
            ? null
            : ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
    }

    private static string Encode(string segment)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(segment))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static (string? LastUser, int PromptWords) ReadConversation(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("messages is required");
        }

        string? lastUser = null;
        var words = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var texts = message.GetProperty("content").EnumerateArray()
                .Where(block => block.TryGetProperty("text", out _))
                .Select(block => block.GetProperty("text").GetString() ?? string.Empty)
                .ToList();
            var text = string.Join('\n', texts);
            words += text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            if (message.GetProperty("role").GetString() == "user" && texts.Count > 0)
            {
                lastUser = text;
            }
        }

        if (root.TryGetProperty("system", out var system) && system.ValueKind == JsonValueKind.Array)
        {
            foreach (var block in system.EnumerateArray())
            {
                words += (block.GetProperty("text").GetString() ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            }
        }

        return (lastUser, words);
    }

    /// <summary>
    /// Bedrock's rules for tool blocks, as its validation errors state them: a conversation with <c>toolUse</c> or
    /// <c>toolResult</c> blocks needs a <c>toolConfig</c>, and every <c>toolResult</c> answers a <c>toolUse</c> of
    /// the assistant turn just before; null when the body keeps them.
    /// </summary>
    private static string? ToolRuleBroken(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var hasToolConfig = root.TryGetProperty("toolConfig", out var toolConfig) && toolConfig.TryGetProperty("tools", out var tools) && tools.GetArrayLength() > 0;
        var asked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in root.GetProperty("messages").EnumerateArray())
        {
            var blocks = message.GetProperty("content").EnumerateArray().ToList();
            var uses = blocks.Where(b => b.TryGetProperty("toolUse", out _)).Select(b => b.GetProperty("toolUse").GetProperty("toolUseId").GetString()!).ToList();
            var results = blocks.Where(b => b.TryGetProperty("toolResult", out _)).Select(b => b.GetProperty("toolResult").GetProperty("toolUseId").GetString()!).ToList();
            if ((uses.Count > 0 || results.Count > 0) && !hasToolConfig)
            {
                return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
            }

            if (results.Any(id => !asked.Contains(id)))
            {
                return "The number of toolResult blocks exceeds the number of toolUse blocks of the previous turn.";
            }

            if (message.GetProperty("role").GetString() == "assistant")
            {
                asked = [.. uses];
            }
        }

        return null;
    }

    private static async Task WriteConverseAsync(HttpContext context, IReadOnlyList<string> pieces, FakeBedrockUsage usage, string stopReason, IReadOnlyList<FakeBedrockToolUse> toolUses)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartObject("output");
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            json.WriteStartArray("content");
            if (pieces.Count > 0 || toolUses.Count == 0)
            {
                json.WriteStartObject();
                json.WriteString("text", string.Concat(pieces));
                json.WriteEndObject();
            }

            foreach (var toolUse in toolUses)
            {
                json.WriteStartObject();
                json.WriteStartObject("toolUse");
                json.WriteString("toolUseId", toolUse.ToolUseId);
                json.WriteString("name", toolUse.Name);
                json.WritePropertyName("input");
                json.WriteRawValue(toolUse.InputJson);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteString("stopReason", stopReason);
            WriteUsage(json, usage);
            json.WriteStartObject("metrics");
            json.WriteNumber("latencyMs", 42);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(stream.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task WriteStreamAsync(HttpContext context, IReadOnlyList<string> pieces, FakeBedrockUsage usage, Script script)
    {
        var aborted = context.RequestAborted;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/vnd.amazon.eventstream";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var output = context.Response.Body;

        async Task SendAsync(byte[] frame)
        {
            await output.WriteAsync(frame, aborted).ConfigureAwait(false);
            await output.FlushAsync(aborted).ConfigureAwait(false);
        }

        await SendAsync(EventFrame("messageStart", """{"role":"assistant","p":"abcdefgh"}""")).ConfigureAwait(false);
        var toolUses = script.ToolUses;
        var firstToolBlock = 0;
        if (pieces.Count > 0 || toolUses.Count == 0)
        {
            await SendAsync(EventFrame("contentBlockStart", """{"contentBlockIndex":0,"start":{},"p":"ab"}""")).ConfigureAwait(false);
            foreach (var piece in pieces)
            {
                var json = JsonSerializer.Serialize(new { contentBlockIndex = 0, delta = new { text = piece }, p = "abcd" });
                await SendAsync(EventFrame("contentBlockDelta", json)).ConfigureAwait(false);
            }

            if (toolUses.Count > 0)
            {
                await SendAsync(EventFrame("contentBlockStop", """{"contentBlockIndex":0}""")).ConfigureAwait(false);
                firstToolBlock = 1;
            }
        }

        for (var i = 0; i < toolUses.Count; i++)
        {
            var block = firstToolBlock + i;
            var toolUse = toolUses[i];
            var start = JsonSerializer.Serialize(new { contentBlockIndex = block, start = new { toolUse = new { toolUseId = toolUse.ToolUseId, name = toolUse.Name } }, p = "abc" });
            await SendAsync(EventFrame("contentBlockStart", start)).ConfigureAwait(false);
            foreach (var fragment in toolUse.Fragments)
            {
                var delta = JsonSerializer.Serialize(new { contentBlockIndex = block, delta = new { toolUse = new { input = fragment } }, p = "abcdef" });
                await SendAsync(EventFrame("contentBlockDelta", delta)).ConfigureAwait(false);
            }

            if (i < toolUses.Count - 1)
            {
                await SendAsync(EventFrame("contentBlockStop", $$"""{"contentBlockIndex":{{block}}}""")).ConfigureAwait(false);
            }
        }

        var lastBlock = toolUses.Count > 0 ? firstToolBlock + toolUses.Count - 1 : 0;

        switch (script.Ending)
        {
            case StreamEnding.Exception:
                await SendAsync(ExceptionFrame(script.ErrorType!, script.ErrorMessage ?? string.Empty)).ConfigureAwait(false);
                return;
            case StreamEnding.Corrupt:
                await SendAsync(Frame([new(":event-type", "contentBlockDelta"), new(":message-type", "event")], "{\"delta\":{\"text\":\"x\"}}"u8, corruptMessageCrc: true)).ConfigureAwait(false);
                return;
            case StreamEnding.Stall:
                await WaitUntilAbortedOrStoppingAsync(context).ConfigureAwait(false);
                return;
            case StreamEnding.Truncate:
                return;
        }

        await SendAsync(EventFrame("contentBlockStop", $$"""{"contentBlockIndex":{{lastBlock}}}""")).ConfigureAwait(false);
        await SendAsync(EventFrame("messageStop", $$"""{"stopReason":"{{script.StopReason}}"}""")).ConfigureAwait(false);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            WriteUsage(json, usage);
            json.WriteStartObject("metrics");
            json.WriteNumber("latencyMs", 42);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await SendAsync(EventFrame("metadata", Encoding.UTF8.GetString(stream.ToArray()))).ConfigureAwait(false);
    }

    private static void WriteUsage(Utf8JsonWriter json, FakeBedrockUsage usage)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("inputTokens", usage.InputTokens);
        json.WriteNumber("outputTokens", usage.OutputTokens);
        json.WriteNumber("totalTokens", usage.InputTokens + usage.OutputTokens + usage.CacheReadInputTokens);
        if (usage.CacheReadInputTokens > 0)
        {
            json.WriteNumber("cacheReadInputTokens", usage.CacheReadInputTokens);
        }

        json.WriteEndObject();
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string type, string? message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-ErrorType"] = type + ":http://internal.amazon.com/coral/com.amazon.bedrock/";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        var body = message is null ? "{}" : JsonSerializer.Serialize(new Dictionary<string, string> { ["message"] = message });
        await context.Response.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    private enum ScriptKind
    {
        Echo,
        Answer,
        Fail,
        Hang,
    }

    private enum StreamEnding
    {
        Complete,
        Exception,
        Corrupt,
        Stall,
        Truncate,
    }

    private sealed record Script(ScriptKind Kind)
    {
        public static readonly Script Echo = new(ScriptKind.Echo);

        public IReadOnlyList<string> Pieces { get; init; } = [];

        public IReadOnlyList<FakeBedrockToolUse> ToolUses { get; init; } = [];

        public FakeBedrockUsage? Usage { get; init; }

        public string StopReason { get; init; } = "end_turn";

        public StreamEnding Ending { get; init; } = StreamEnding.Complete;

        public int Status { get; init; }

        public string? ErrorType { get; init; }

        public string? ErrorMessage { get; init; }
    }
}
