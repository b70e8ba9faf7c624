namespace AigneHub.Api.Hosting;

/// <summary>
/// The headers on every answer. <c>x-request-id</c>: the request id (the hub's trace identifier: the RequestId of the
/// host's log scope, and the call record's request id). And those that keep browsers from misreading or framing the
/// hub's answers: every response is nosniff with no referrer; HTML (the jobs dashboard) may not be framed; answers
/// that carry a secret once (key creation) and every /api answer are not stored by caches.
/// </summary>
internal sealed class ResponseHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers["x-request-id"] = context.TraceIdentifier;
        context.Response.OnStarting(static state =>
        {
            var http = (HttpContext)state;
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                headers.XFrameOptions = "DENY";
                // The web console sets its own, stricter policy (WebConsole); the rest of the HTML (the jobs dashboard) gets this one.
                if (!headers.ContainsKey("Content-Security-Policy"))
                {
                    headers.ContentSecurityPolicy = "frame-ancestors 'none'";
                }
            }

            if (http.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) && !headers.ContainsKey("Cache-Control"))
            {
                headers.CacheControl = "no-store";
            }

            return Task.CompletedTask;
        }, context);
        return next(context);
    }
}
