namespace AigneHub.Api.Errors;

/// <summary>
/// The last line for a full database: a connection refused ("too many clients") or a pool that stayed exhausted,
/// escaping from any route that does not answer errors itself (authentication's key lookup, admin reads), becomes
/// 503 with Retry-After in the shape of the request's surface instead of a 500.
/// </summary>
internal sealed partial class DatabaseSaturationMiddleware(RequestDelegate next, ILogger<DatabaseSaturationMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && DatabaseSaturation.Matches(ex))
        {
            LogSaturated(logger, context.Request.Method, context.Request.Path, ex.GetType().Name);
            await AccessRefusalWriter.WriteAsync(context, HubErrorMapper.Map(ex, context.TraceIdentifier));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} was answered 503: the database is at its connection limit ({Exception})")]
    private static partial void LogSaturated(ILogger logger, string method, PathString path, string exception);
}
