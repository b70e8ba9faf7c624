using AigneHub.Api.Grpc.V1;
using Google.Protobuf;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// POST /v1/chat/completions, answered by the REST edge itself: the body is read once, parsed into the contract's
/// <see cref="CreateChatCompletionRequest"/>, mapped to the same commands the gRPC methods send, and answered in
/// OpenAI's shapes: one <c>chat.completion</c> object (<see cref="ChatCompletionResponseWriter"/>), or with
/// <c>"stream": true</c> Server-Sent Events (<see cref="ChatCompletionChunkWriter"/>). Transcoding cannot give either
/// exactly (it has no SSE, and proto3 JSON leaves out the nulls OpenAI writes); see ADR 0003 and ADR 0017. A body
/// that is not JSON is left to transcoding, which refuses it.
/// <para>
/// A middleware rather than an endpoint because the route's endpoint is the transcoded
/// <c>Inference/CreateChatCompletion</c> (which still answers, and refuses, non-JSON bodies); the route table,
/// <see cref="Hosting.HubRoutes"/>, lists this route and says so.
/// </para>
/// </summary>
internal sealed class ChatCompletionsMiddleware(RequestDelegate next, IMediator mediator, ILogger<ChatCompletionsMiddleware> logger)
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

        (byte[] Buffer, int Length) buffered;
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

        var body = buffered.Buffer.AsMemory(0, buffered.Length);
        try
        {
            CreateChatCompletionRequest message;
            using (var reader = new PooledUtf8Reader(body.Span))
            {
                // Parsed from a pooled decoding of the buffer: no copy of the whole body as one string, no reader buffers.
                message = Parser.Parse<CreateChatCompletionRequest>(reader);
            }

            if (message.Stream)
            {
                var command = ChatCompletionMapping.ToStreamCommand(message, context.TraceIdentifier);
                var includeUsage = message.StreamOptions?.IncludeUsage ?? false;
                await StreamAsync(context, mediator.CreateStream(command, context.RequestAborted), includeUsage);
            }
            else
            {
                var completion = await mediator.Send(ChatCompletionMapping.ToCommand(message, context.TraceIdentifier), context.RequestAborted);
                var response = context.Response;
                response.StatusCode = StatusCodes.Status200OK;
                response.ContentType = "application/json; charset=utf-8";
                ChatCompletionResponseWriter.Write(response.BodyWriter, completion);
                await response.BodyWriter.FlushAsync(context.RequestAborted);
            }
        }
        catch (DecoderFallbackException)
        {
            await RefuseAsync(context, HubErrorMapper.FromGrpcStatus(global::Grpc.Core.StatusCode.InvalidArgument, "The body is not valid UTF-8."));
        }
        catch (Exception ex) when (ex is InvalidJsonException or InvalidProtocolBufferException)
        {
            var refusal = HubErrorMapper.FromGrpcStatus(global::Grpc.Core.StatusCode.InvalidArgument, ex.Message);
            await RefuseAsync(context, OpenAIErrorEnvelopeMiddleware.Diagnosed(refusal, CreateChatCompletionRequest.Descriptor, body));
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            await RefuseAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier));
        }
        finally
        {
            ReturnBody(buffered.Buffer, buffered.Length);
        }
    }

    private Task StreamAsync(HttpContext context, IAsyncEnumerable<ChatCompletionUpdate> updates, bool includeUsage) =>
        ChatSurface.StreamAsync(context, updates, "openai", output => new ChatCompletionChunkWriter(output, includeUsage), logger);

    private static async Task RefuseAsync(HttpContext context, HubError error)
    {
        if (error.GrpcStatus == global::Grpc.Core.StatusCode.Cancelled)
        {
            return;
        }

        await OpenAIErrorBody.WriteResponseAsync(context, error);
    }

    /// <summary>
    /// The whole body in a pooled buffer (returned by <see cref="ReturnBody"/> once the call is answered): no
    /// <see cref="MemoryStream"/> and no new array per call, and none on the large-object heap for a large prompt.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // The declared length only sizes the first buffer, capped: Kestrel's body-size limit applies as the body is read.
        var capacity = request.ContentLength is { } length and > 0 ? (int)Math.Min(length + 1, 256 * 1024) : 4096;
        var buffer = ArrayPool<byte>.Shared.Rent(capacity);
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ReturnBody(buffer, filled);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    return (buffer, filled);
                }

                filled += read;
            }
        }
        catch
        {
            ReturnBody(buffer, filled);
            throw;
        }
    }

    /// <summary>Cleared before it goes back to the pool: no later renter ever sees this request's prompt.</summary>
    private static void ReturnBody(byte[] buffer, int length)
    {
        buffer.AsSpan(0, length).Clear();
        ArrayPool<byte>.Shared.Return(buffer);
    }
}
