namespace AigneHub.Api.Rest;

/// <summary>Returns the request id (the hub's trace identifier: the RequestId of the host's log scope, and the call record's request id) as x-request-id.</summary>
internal sealed class RequestIdMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers["x-request-id"] = context.TraceIdentifier;
        return next(context);
    }
}
