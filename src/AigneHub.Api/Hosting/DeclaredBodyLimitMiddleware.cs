using AigneHub.Api.Errors;
using AigneHub.Api.Identity;
using Microsoft.AspNetCore.Http.Features;

namespace AigneHub.Api.Hosting;

/// <summary>
/// Refuses a request whose declared Content-Length is over the body limit with 413 before anything reads it, in the
/// shape of its surface. JSON transcoding would otherwise report the read failure as a 400; a body without a length
/// (chunked) still meets Kestrel's limit while it is read.
/// </summary>
internal sealed class DeclaredBodyLimitMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (context.Request.ContentLength is { } length && limit is { } max && length > max)
        {
            var tooLarge = new BadHttpRequestException($"The request body of {length} bytes is over the limit of {max}.", StatusCodes.Status413PayloadTooLarge);
            return AccessRefusalWriter.WriteAsync(context, HubErrorMapper.Map(tooLarge, context.TraceIdentifier));
        }

        return next(context);
    }
}
