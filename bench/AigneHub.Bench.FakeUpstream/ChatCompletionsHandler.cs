using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AigneHub.Bench.FakeUpstream;

/// <summary>
/// Answers <c>POST /v1/chat/completions</c> in OpenAI's wire format: a <c>chat.completion</c> object, or for
/// <c>"stream": true</c> a <c>text/event-stream</c> of <c>chat.completion.chunk</c> events (the role chunk, one chunk per
/// content piece, a finish chunk with an empty delta, the usage chunk with <c>"choices": []</c> when
/// <c>stream_options.include_usage</c> asked for it, then <c>data: [DONE]</c>). <c>GET /healthz</c> answers 200.
/// </summary>
/// <remarks>
/// Built for load: the request body is parsed in place from Kestrel's pipe (only model, stream, include_usage and the
/// size of the messages), nothing is recorded, the answer text is pre-encoded, and JSON goes straight into the
/// response pipe through one cached writer per thread. Per request the only allocations are Kestrel's own and the
/// async state machine.
/// </remarks>
internal sealed class ChatCompletionsHandler
{
    public const string Fingerprint = "fp_bench_fake";

    private const int MaxModelBytes = 256;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static readonly string[] Vocabulary = ["Hello", " from", " the", " fake", " upstream", ",", " answering", " quickly", "."];

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    private readonly byte[][] _pieces;
    private readonly byte[] _wholeContent;
    private readonly TimeSpan _latency;
    private readonly TimeSpan _chunkDelay;
    private long _nextId;

    public ChatCompletionsHandler(FakeUpstreamOptions options)
    {
        _pieces = new byte[options.StreamChunks][];
        for (var i = 0; i < _pieces.Length; i++)
        {
            _pieces[i] = Encoding.UTF8.GetBytes(Vocabulary[i % Vocabulary.Length]);
        }

        _wholeContent = [.. _pieces.SelectMany(p => p)];
        _latency = TimeSpan.FromMilliseconds(options.LatencyMs);
        _chunkDelay = TimeSpan.FromMilliseconds(options.ChunkDelayMs);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var aborted = context.RequestAborted;
        try
        {
            if (HttpMethods.IsGet(request.Method) && request.Path.Value == "/healthz")
            {
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = "text/plain";
                response.BodyWriter.Write("ok"u8);
                return;
            }

            if (!HttpMethods.IsPost(request.Method) || request.Path.Value != "/v1/chat/completions")
            {
                WriteError(response, StatusCodes.Status404NotFound, "Invalid URL: only POST /v1/chat/completions is served here.");
                return;
            }

            var model = ArrayPool<byte>.Shared.Rent(MaxModelBytes);
            try
            {
                var call = await ReadCallAsync(request.BodyReader, model, aborted).ConfigureAwait(false);
                if (!call.Valid)
                {
                    WriteError(
                        response,
                        StatusCodes.Status400BadRequest,
                        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");
                    return;
                }

                if (_latency > TimeSpan.Zero)
                {
                    await Task.Delay(_latency, aborted).ConfigureAwait(false);
                }

                var id = (ulong)Interlocked.Increment(ref _nextId);
                var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                if (call.Stream)
                {
                    await StreamAsync(response, call, model, id, created, aborted).ConfigureAwait(false);
                }
                else
                {
                    response.StatusCode = StatusCodes.Status200OK;
                    response.ContentType = "application/json";
                    WriteCompletion(response.BodyWriter, call, model.AsSpan(0, call.ModelLength), id, created);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(model);
            }
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away; nothing to answer.
        }
    }

    private async Task StreamAsync(HttpResponse response, ChatCall call, byte[] model, ulong id, long created, CancellationToken aborted)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        var output = response.BodyWriter;

        WriteChunk(output, call, model.AsSpan(0, call.ModelLength), id, created, ChunkKind.Role, []);
        if (!await FlushAsync(output, aborted).ConfigureAwait(false))
        {
            return;
        }

        for (var i = 0; i < _pieces.Length; i++)
        {
            if (i > 0 && _chunkDelay > TimeSpan.Zero)
            {
                await Task.Delay(_chunkDelay, aborted).ConfigureAwait(false);
            }

            WriteChunk(output, call, model.AsSpan(0, call.ModelLength), id, created, ChunkKind.Content, _pieces[i]);
            if (!await FlushAsync(output, aborted).ConfigureAwait(false))
            {
                return;
            }
        }

        WriteChunk(output, call, model.AsSpan(0, call.ModelLength), id, created, ChunkKind.Finish, []);
        if (call.IncludeUsage)
        {
            WriteChunk(output, call, model.AsSpan(0, call.ModelLength), id, created, ChunkKind.Usage, []);
        }

        output.Write("data: [DONE]\n\n"u8);
        await FlushAsync(output, aborted).ConfigureAwait(false);
    }

    /// <summary>False once the client is gone (Kestrel completes or cancels the pipe).</summary>
    private static async ValueTask<bool> FlushAsync(PipeWriter output, CancellationToken aborted)
    {
        var result = await output.FlushAsync(aborted).ConfigureAwait(false);
        return !result.IsCanceled && !result.IsCompleted;
    }

    private static async ValueTask<ChatCall> ReadCallAsync(PipeReader reader, byte[] model, CancellationToken aborted)
    {
        while (true)
        {
            var result = await reader.ReadAsync(aborted).ConfigureAwait(false);
            if (result.IsCompleted)
            {
                var call = ChatCall.Parse(result.Buffer, model);
                reader.AdvanceTo(result.Buffer.End);
                return call;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static Utf8JsonWriter JsonWriter(IBufferWriter<byte> output)
    {
        var json = t_json;
        if (json is null)
        {
            json = new Utf8JsonWriter(output, WriterOptions);
            t_json = json;
        }
        else
        {
            json.Reset(output);
        }

        return json;
    }

    private static void WriteId(Utf8JsonWriter json, ulong id)
    {
        Span<byte> text = stackalloc byte[32];
        "chatcmpl-bench"u8.CopyTo(text);
        Utf8Formatter.TryFormat(id, text[14..], out var written, new StandardFormat('x', 16));
        json.WriteString("id"u8, text[..(14 + written)]);
    }

    private void WriteCompletion(PipeWriter output, ChatCall call, ReadOnlySpan<byte> model, ulong id, long created)
    {
        var json = JsonWriter(output);
        json.WriteStartObject();
        WriteId(json, id);
        json.WriteString("object"u8, "chat.completion"u8);
        json.WriteNumber("created"u8, created);
        json.WriteString("model"u8, model);
        json.WriteStartArray("choices"u8);
        json.WriteStartObject();
        json.WriteNumber("index"u8, 0);
        json.WriteStartObject("message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("content"u8, _wholeContent);
        json.WriteNull("refusal"u8);
        json.WriteStartArray("annotations"u8);
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteNull("logprobs"u8);
        json.WriteString("finish_reason"u8, "stop"u8);
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json, call.PromptTokens, _pieces.Length);
        json.WriteString("service_tier"u8, "default"u8);
        json.WriteString("system_fingerprint"u8, Fingerprint);
        json.WriteEndObject();
        json.Flush();
    }

    private void WriteChunk(PipeWriter output, ChatCall call, ReadOnlySpan<byte> model, ulong id, long created, ChunkKind kind, ReadOnlySpan<byte> content)
    {
        output.Write("data: "u8);
        var json = JsonWriter(output);
        json.WriteStartObject();
        WriteId(json, id);
        json.WriteString("object"u8, "chat.completion.chunk"u8);
        json.WriteNumber("created"u8, created);
        json.WriteString("model"u8, model);
        json.WriteString("service_tier"u8, "default"u8);
        json.WriteString("system_fingerprint"u8, Fingerprint);
        json.WriteStartArray("choices"u8);
        if (kind != ChunkKind.Usage)
        {
            json.WriteStartObject();
            json.WriteNumber("index"u8, 0);
            json.WriteStartObject("delta"u8);
            switch (kind)
            {
                case ChunkKind.Role:
                    json.WriteString("role"u8, "assistant"u8);
                    json.WriteString("content"u8, ""u8);
                    json.WriteNull("refusal"u8);
                    break;
                case ChunkKind.Content:
                    json.WriteString("content"u8, content);
                    break;
            }

            json.WriteEndObject();
            json.WriteNull("logprobs"u8);
            if (kind == ChunkKind.Finish)
            {
                json.WriteString("finish_reason"u8, "stop"u8);
            }
            else
            {
                json.WriteNull("finish_reason"u8);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (kind == ChunkKind.Usage)
        {
            WriteUsage(json, call.PromptTokens, _pieces.Length);
        }
        else if (call.IncludeUsage)
        {
            json.WriteNull("usage"u8);
        }

        json.WriteEndObject();
        json.Flush();
        output.Write("\n\n"u8);
    }

    private static void WriteUsage(Utf8JsonWriter json, int promptTokens, int completionTokens)
    {
        json.WriteStartObject("usage"u8);
        json.WriteNumber("prompt_tokens"u8, promptTokens);
        json.WriteNumber("completion_tokens"u8, completionTokens);
        json.WriteNumber("total_tokens"u8, promptTokens + completionTokens);
        json.WriteStartObject("prompt_tokens_details"u8);
        json.WriteNumber("cached_tokens"u8, 0);
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

    private static void WriteError(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        var json = JsonWriter(response.BodyWriter);
        json.WriteStartObject();
        json.WriteStartObject("error"u8);
        json.WriteString("message"u8, message);
        json.WriteString("type"u8, "invalid_request_error"u8);
        json.WriteNull("param"u8);
        json.WriteNull("code"u8);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
    }

    private enum ChunkKind
    {
        Role,
        Content,
        Finish,
        Usage,
    }

    /// <summary>What the fake needs from a request; the model's UTF-8 bytes are copied into a pooled buffer.</summary>
    private readonly record struct ChatCall(bool Valid, int ModelLength, bool Stream, bool IncludeUsage, int PromptTokens)
    {
        public static ChatCall Parse(ReadOnlySequence<byte> body, byte[] model)
        {
            var reader = new Utf8JsonReader(body);
            var modelLength = 0;
            var stream = false;
            var includeUsage = false;
            long messageBytes = 0;
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return default;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("model"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.String || ValueLength(ref reader) > MaxModelBytes)
                        {
                            return default;
                        }

                        modelLength = reader.CopyString(model);
                    }
                    else if (reader.ValueTextEquals("stream"u8))
                    {
                        reader.Read();
                        stream = reader.TokenType == JsonTokenType.True;
                    }
                    else if (reader.ValueTextEquals("stream_options"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            reader.Skip();
                            continue;
                        }

                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
                            reader.Read();
                            if (isIncludeUsage)
                            {
                                includeUsage = reader.TokenType == JsonTokenType.True;
                            }

                            reader.Skip();
                        }
                    }
                    else if (reader.ValueTextEquals("messages"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            return default;
                        }

                        var depth = reader.CurrentDepth;
                        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == depth))
                        {
                            if (reader.TokenType == JsonTokenType.String)
                            {
                                messageBytes += ValueLength(ref reader);
                            }
                        }
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }

                // Roughly four bytes per token, like OpenAI's rule of thumb for English.
                var promptTokens = (int)Math.Clamp((messageBytes + 3) / 4, 1, int.MaxValue);
                return new ChatCall(true, modelLength, stream, includeUsage, promptTokens);
            }
            catch (JsonException)
            {
                return default;
            }
        }

        private static long ValueLength(ref Utf8JsonReader reader) =>
            reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
    }
}
