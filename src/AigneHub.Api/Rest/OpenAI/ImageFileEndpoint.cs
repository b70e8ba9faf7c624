using AigneHub.Application.Images.Queries.GetStoredImage;

namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// <c>GET /v1/images/files/{id}</c>: a generated image the hub handed out as a link, until the link expires. An
/// unknown or expired id answers 404 in OpenAI's envelope (left for <see cref="OpenAIErrorEnvelopeMiddleware"/>).
/// </summary>
internal static class ImageFileEndpoint
{
    public const string Route = "/v1/images/files/{id}";

    /// <summary>The link's random id is its credential (as with OpenAI's image links): whoever holds it may fetch the image until it expires.</summary>
    public static IEndpointRouteBuilder MapImageFiles(this IEndpointRouteBuilder app)
    {
        app.MapGet(Route, GetAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, IMediator mediator)
    {
        try
        {
            if (!Guid.TryParseExact(id, "N", out var imageId) && !Guid.TryParse(id, out imageId))
            {
                throw new ResourceNotFoundException("id", "The image does not exist or its link has expired.");
            }

            var image = await mediator.Send(new GetStoredImageQuery(imageId), context.RequestAborted);
            context.Response.Headers.CacheControl = "private, max-age=" + Math.Max(0, (int)(image.ExpiresAt - DateTimeOffset.UtcNow).TotalSeconds);
            return Results.Bytes(image.Content, image.MediaType);
        }
        catch (HubException ex)
        {
            var error = HubErrorMapper.Map(ex, context.TraceIdentifier);
            context.Items[HubError.HttpContextKey] = error;
            return Results.StatusCode(error.HttpStatus);
        }
    }
}
