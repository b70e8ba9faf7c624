using AigneHub.Api.Errors;
using AigneHub.Api.Identity;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AigneHub.Api.Hosting;

/// <summary>
/// Applies the body limit of the route — the higher image limit for chat, which may carry images inline — and refuses
/// a request whose declared Content-Length is over it with 413 before anything reads it, in the shape of its surface.
/// JSON transcoding would otherwise report the read failure as a 400; a body without a length (chunked) meets the
/// same limit while it is read.
/// </summary>
internal sealed class DeclaredBodyLimitMiddleware(RequestDelegate next, IOptions<HubEndpointsOptions> options)
{
    private readonly long _imageLimit = options.Value.MaxImageRequestBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false } && AcceptsImages(context.Request.Path))
        {
            feature.MaxRequestBodySize = _imageLimit;
        }

        var limit = feature?.MaxRequestBodySize;
        if (context.Request.ContentLength is { } length && limit is { } max && length > max)
        {
            var tooLarge = new BadHttpRequestException($"The request body of {length} bytes is over the limit of {max}.", StatusCodes.Status413PayloadTooLarge);
            return AccessRefusalWriter.WriteAsync(context, HubErrorMapper.Map(tooLarge, context.TraceIdentifier));
        }

        return next(context);
    }

    private static bool AcceptsImages(PathString path) =>
        path.Equals("/v1/chat/completions", StringComparison.Ordinal)
        || path.Equals("/api/v2/chat", StringComparison.Ordinal)
        || path.StartsWithSegments("/aignehub.v1.Inference", StringComparison.Ordinal);
}
