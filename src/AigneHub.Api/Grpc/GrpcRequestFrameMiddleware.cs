using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http.Features;

namespace AigneHub.Api.Grpc;

/// <summary>
/// Checks the one request message of a unary or server-streaming gRPC call before gRPC reads it: one frame with a
/// compressed flag of 0 or 1 and a length within the message limit, nothing after it, and (uncompressed) a payload
/// that parses as the method's request message. A malformed request is the client's mistake: it is refused with
/// INVALID_ARGUMENT (a length over the limit, RESOURCE_EXHAUSTED, as gRPC does) and logged at Information. gRPC itself
/// would answer UNKNOWN "Exception was thrown by handler." and log an Error with a stack trace, because it reads the
/// message before any interceptor runs. The check costs one more parse of the message; the bytes checked are the
/// bytes gRPC then reads.
/// </summary>
internal sealed partial class GrpcRequestFrameMiddleware(RequestDelegate next, IOptions<GrpcServiceOptions> options, ILogger<GrpcRequestFrameMiddleware> logger)
{
    private const int HeaderSize = 5;

    private static readonly ConcurrentDictionary<Type, MessageParser?> Parsers = new();

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsGrpcFramed(context.Request)
            || context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not { } grpc
            || grpc.Method.Type is not (MethodType.Unary or MethodType.ServerStreaming))
        {
            await next(context);
            return;
        }

        // gRPC lifts the server's body limit for its calls and applies its own message limit; so does this check.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var (message, refusal) = await ReadMessageAsync(context.Request.Body, options.Value.MaxReceiveMessageSize ?? int.MaxValue, context.RequestAborted);
        if (refusal is null && message is { Compressed: false } && ParserFor(grpc.Method) is { } parser)
        {
            refusal = Parse(parser, message.Payload, grpc.Method.FullName);
        }

        if (refusal is not null)
        {
            LogRefused(logger, grpc.Method.FullName, refusal.Message);
            await AccessRefusalWriter.WriteAsync(context, refusal);
            return;
        }

        context.Request.Body = new MemoryStream(message!.Frame, writable: false);
        await next(context);
    }

    private static bool IsGrpcFramed(HttpRequest request) =>
        request.ContentType is { } type
        && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase)
        && !type.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase)
        && !type.StartsWith("application/grpc+json", StringComparison.OrdinalIgnoreCase);

    private static async Task<(RequestMessage? Message, HubError? Refusal)> ReadMessageAsync(Stream body, int maxMessageSize, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        var read = await body.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, cancellationToken);
        if (read < HeaderSize)
        {
            return (null, Malformed(read == 0 ? "The call carries no request message." : "The request message frame is incomplete."));
        }

        if (header[0] > 1)
        {
            return (null, Malformed($"The request message frame has a compressed flag of {header[0]}; it must be 0 or 1."));
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > int.MaxValue)
        {
            return (null, Malformed($"The request message frame declares a length of {length} bytes, which no message can have."));
        }

        if (length > maxMessageSize)
        {
            return (null, new HubError(StatusCodes.Status413PayloadTooLarge, StatusCode.ResourceExhausted, HubErrorMapper.InvalidRequest, "request_too_large", null,
                $"The request message of {length} bytes is over the limit of {maxMessageSize} (Hub:MaxImageRequestBodyBytes)."));
        }

        var frame = new byte[HeaderSize + length];
        header.CopyTo(frame, 0);
        if (await body.ReadAtLeastAsync(frame.AsMemory(HeaderSize), (int)length, throwOnEndOfStream: false, cancellationToken) < length)
        {
            return (null, Malformed($"The request message frame declares {length} bytes but the call ended before them."));
        }

        if (await body.ReadAsync(new byte[1], cancellationToken) > 0)
        {
            return (null, Malformed("The call carries more after its one request message; this method takes exactly one."));
        }

        return (new RequestMessage(frame, header[0] == 1), null);
    }

    private static HubError? Parse(MessageParser parser, ReadOnlyMemory<byte> payload, string method)
    {
        try
        {
            parser.ParseFrom(payload.Span);
            return null;
        }
        catch (InvalidProtocolBufferException ex)
        {
            return Malformed($"The request is not a valid message for {method}: {ex.Message}");
        }
    }

    /// <summary>The parser of the method's request message (every generated message has a static Parser).</summary>
    private static MessageParser? ParserFor(IMethod method) =>
        Parsers.GetOrAdd(method.GetType(), type =>
            type.IsGenericType && type.GetGenericArguments() is [var request, _]
                ? request.GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as MessageParser
                : null);

    private static HubError Malformed(string message) =>
        new(StatusCodes.Status400BadRequest, StatusCode.InvalidArgument, HubErrorMapper.InvalidRequest, null, null, message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a malformed gRPC call to {Method}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string reason);

    private sealed record RequestMessage(byte[] Frame, bool Compressed)
    {
        public ReadOnlyMemory<byte> Payload => Frame.AsMemory(HeaderSize);
    }
}
