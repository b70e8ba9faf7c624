using Microsoft.AspNetCore.Http.Features;

namespace AigneHub.Api.Hosting;

/// <summary>
/// Applies the body limit of the route — the higher image limit for chat, which may carry images inline — and refuses
/// a request whose declared Content-Length is over it with 413 before anything reads it, in the shape of its surface.
/// A body without a length (chunked) meets the same limit while it is read; JSON transcoding reports that failure as
/// a 400, so the refusal is noted on the request (<see cref="BodyOverLimit"/>) for the error edges to answer 413.
/// </summary>
internal sealed class DeclaredBodyLimitMiddleware(RequestDelegate next, IOptions<HubEndpointsOptions> options)
{
    private static readonly object OverLimitKey = new();

    private readonly long _imageLimit = options.Value.MaxImageRequestBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false } && AcceptsImages(context.Request.Path))
        {
            feature.MaxRequestBodySize = _imageLimit;
        }

        var limit = feature?.MaxRequestBodySize;
        var request = context.Request;
        if (request.ContentLength is { } length && limit is { } max && length > max)
        {
            var tooLarge = new BadHttpRequestException($"The request body of {length} bytes is over the limit of {max}.", StatusCodes.Status413PayloadTooLarge);
            return AccessRefusalWriter.WriteAsync(context, HubErrorMapper.Map(tooLarge, context.TraceIdentifier));
        }

        // gRPC sets its own message limit and answers in its own status; only REST bodies need the note.
        if (request.ContentLength is null && limit is not null && request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
        {
            request.Body = new LimitNotingStream(request.Body, context);
        }

        return next(context);
    }

    /// <summary>The refusal of a chunked body that went over the limit while it was read; null when none did.</summary>
    public static BadHttpRequestException? BodyOverLimit(HttpContext context) =>
        context.Items.TryGetValue(OverLimitKey, out var refusal) ? refusal as BadHttpRequestException : null;

    private static bool AcceptsImages(PathString path) =>
        path.Equals("/v1/chat/completions", StringComparison.Ordinal)
        || path.Equals("/v1/responses", StringComparison.Ordinal)
        || path.Equals("/v1/messages", StringComparison.Ordinal)
        || path.Equals("/api/v2/chat", StringComparison.Ordinal)
        || path.StartsWithSegments("/aignehub.v1.Inference", StringComparison.Ordinal);

    /// <summary>Reads through to the server's body stream, noting on the request a refusal for being over the limit.</summary>
    private sealed class LimitNotingStream(Stream inner, HttpContext context) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return inner.Read(buffer, offset, count);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                context.Items[OverLimitKey] = ex;
                throw;
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                context.Items[OverLimitKey] = ex;
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
