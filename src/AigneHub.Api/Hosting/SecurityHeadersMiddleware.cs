namespace AigneHub.Api.Hosting;

/// <summary>
/// Headers that keep browsers from misreading or framing the hub's answers: every response is nosniff with no
/// referrer; HTML (the jobs dashboard) may not be framed; answers that carry a secret once (key creation) and every
/// /api answer are not stored by caches.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
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
