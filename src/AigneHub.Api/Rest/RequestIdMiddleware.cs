namespace AigneHub.Api.Rest;

/// <summary>Returns the request id (the hub's trace identifier, also in every log line and call record) as x-request-id.</summary>
internal sealed class RequestIdMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers["x-request-id"] = context.TraceIdentifier;
        return next(context);
    }
}
