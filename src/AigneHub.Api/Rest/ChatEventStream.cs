using System.Buffers;
using System.Text;

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

    /// <summary>
    /// Writes one named event (<c>event: type</c>, then <c>data:</c> a JSON object whose first member is
    /// <c>"type": type</c>, then <c>sequence_number</c> when given, then what <paramref name="body"/> writes), as
    /// Anthropic's Messages stream and OpenAI's Responses stream frame theirs.
    /// </summary>
    public static void WriteNamedEvent(IBufferWriter<byte> output, Utf8JsonWriter json, string type, Action<Utf8JsonWriter> body, long? sequenceNumber = null)
    {
        output.Write("event: "u8);
        Encoding.UTF8.GetBytes(type, output);
        output.Write("\ndata: "u8);
        json.Reset(output);
        json.WriteStartObject();
        json.WriteString("type", type);
        if (sequenceNumber is { } sequence)
        {
            json.WriteNumber("sequence_number", sequence);
        }

        body(json);
        json.WriteEndObject();
        json.Flush();
        output.Write("\n\n"u8);
    }
}
