using AigneHub.Application.Common.Observability;
using System.Text;
using System.Text.Json;
using AigneHub.Api.Errors;
using AigneHub.Api.Grpc;
using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Chat.Common;
using Google.Protobuf;
using Mediator;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// POST /v1/chat/completions with "stream": true, answered as Server-Sent Events in OpenAI's chunk format. Transcoded
/// server streaming is not SSE, so this route reads the body once, and either hands it on (unchanged, from memory) to
/// the transcoded unary method or streams itself through the same contract and command.
/// </summary>
internal sealed partial class ChatCompletionStreamingMiddleware(RequestDelegate next, IMediator mediator, ILogger<ChatCompletionStreamingMiddleware> logger)
{
    public const string Route = "/v1/chat/completions";

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.Equals(Route, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        if (!request.HasJsonContentType())
        {
            // Leave it to transcoding, which refuses non-JSON bodies whatever they ask for.
            await next(context);
            return;
        }

        MemoryStream buffered;
        try
        {
            buffered = await ReadBodyAsync(request, context.RequestAborted);
        }
        catch (BadHttpRequestException ex)
        {
            // Over the body-size limit, or a broken body: the client's mistake, said in OpenAI's shape.
            await RefuseAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier));
            return;
        }

        context.Response.RegisterForDispose(buffered);
        var body = buffered.GetBuffer().AsMemory(0, (int)buffered.Length);
        if (!AsksForStream(body.Span))
        {
            // The transcoder reads the same buffer: the body crossed the network once and is copied no further.
            buffered.Position = 0;
            request.Body = buffered;
            await next(context);
            return;
        }

        try
        {
            var message = Parser.Parse<CreateChatCompletionRequest>(Encoding.UTF8.GetString(body.Span));
            var command = ChatCompletionMapping.ToStreamCommand(message, context.TraceIdentifier);
            var includeUsage = message.StreamOptions?.IncludeUsage ?? false;
            await StreamAsync(context, mediator.CreateStream(command, context.RequestAborted), includeUsage);
        }
        catch (Exception ex) when (ex is InvalidJsonException or InvalidProtocolBufferException)
        {
            var refusal = HubErrorMapper.FromGrpcStatus(global::Grpc.Core.StatusCode.InvalidArgument, ex.Message);
            await RefuseAsync(context, OpenAIErrorEnvelopeMiddleware.Diagnosed(refusal, CreateChatCompletionRequest.Descriptor, body.Span));
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            await RefuseAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier));
        }
    }

    private async Task StreamAsync(HttpContext context, IAsyncEnumerable<ChatCompletionUpdate> updates, bool includeUsage)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        await using var enumerator = updates.GetAsyncEnumerator(aborted);

        // Nothing is sent until the first update exists: a call refused before that gets a proper HTTP error status.
        if (!await enumerator.MoveNextAsync())
        {
            throw new InvalidOperationException("The chat stream ended without any update.");
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        using var open = context.RequestServices.GetRequiredService<HubMetrics>().TrackStream("openai");
        var writer = new ChatCompletionChunkWriter(response.BodyWriter, includeUsage);
        try
        {
            do
            {
                if (writer.Write(enumerator.Current))
                {
                    await response.BodyWriter.FlushAsync(aborted);
                }
            }
            while (await enumerator.MoveNextAsync());

            writer.WriteDone();
            await response.BodyWriter.FlushAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            LogClientGone(logger, context.TraceIdentifier);
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            var error = HubErrorMapper.Map(ex, context.TraceIdentifier);
            LogFailedMidStream(logger, context.TraceIdentifier, error.Type);
            writer.WriteError(error);
            await response.BodyWriter.FlushAsync(CancellationToken.None);
        }
    }

    private static async Task RefuseAsync(HttpContext context, HubError error)
    {
        if (error.GrpcStatus == global::Grpc.Core.StatusCode.Cancelled)
        {
            return;
        }

        await OpenAIErrorBody.WriteResponseAsync(context, error);
    }

    private static async Task<MemoryStream> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // The declared length only sizes the first buffer, capped: Kestrel's body-size limit applies as the body is read.
        var capacity = request.ContentLength is { } length and > 0 ? (int)Math.Min(length, 256 * 1024) : 4096;
        var buffer = new MemoryStream(capacity);
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer;
    }

    /// <summary>Whether the top-level "stream" member is true. Malformed JSON is left to the transcoder to refuse.</summary>
    internal static bool AsksForStream(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isStream = reader.ValueTextEquals("stream"u8);
                reader.Read();
                if (isStream)
                {
                    return reader.TokenType == JsonTokenType.True;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client disconnected from stream {RequestId}; upstream call cancelled")]
    private static partial void LogClientGone(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {RequestId} failed after it started ({ErrorType}); error sent as an SSE event")]
    private static partial void LogFailedMidStream(ILogger logger, string requestId, string errorType);
}
