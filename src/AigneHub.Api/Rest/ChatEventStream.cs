using AigneHub.Application.Observability;

namespace AigneHub.Api.Rest;

/// <summary>How both chat edges (OpenAI's SSE and AIGNE's) open a server-sent-event answer.</summary>
internal static class ChatEventStream
{
    /// <summary>
    /// Waits for the first update, then starts the answer: status 200 and the event-stream headers. Nothing is sent
    /// before that, so a call refused early still gets its HTTP status and error body. The returned handle counts the
    /// stream as open (per <paramref name="surface"/>) until disposed.
    /// </summary>
    public static async Task<HubMetrics.ActiveStream> StartAsync(HttpContext context, IAsyncEnumerator<ChatCompletionUpdate> updates, string surface)
    {
        if (!await updates.MoveNextAsync())
        {
            throw new InvalidOperationException("The chat stream ended without any update.");
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        return context.RequestServices.GetRequiredService<HubMetrics>().TrackStream(surface);
    }
}
