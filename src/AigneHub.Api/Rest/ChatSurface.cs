namespace AigneHub.Api.Rest;

/// <summary>Writes one surface's streamed answer from the hub's chat updates, straight into the response pipe.</summary>
internal interface IChatEventWriter
{
    /// <summary>What the surface sends before the first piece (the stream's opening events); the first update follows in <see cref="Write"/>.</summary>
    void Start(ChatCompletionUpdate first);

    void Write(ChatCompletionUpdate update);

    /// <summary>What ends a stream that ran to its end.</summary>
    void Complete();

    /// <summary>An error after the stream started, in the surface's own event.</summary>
    void Fail(HubError error);
}

/// <summary>
/// What the translated chat surfaces (Responses, legacy completions, Anthropic Messages) share: the body is read as
/// JSON once, a refusal before the answer started is an HTTP error in the surface's own body shape, and a streamed
/// answer starts only once the first update is there (so an early refusal keeps its status), runs to its end, and
/// says an error after the start as the surface's error event.
/// </summary>
internal static partial class ChatSurface
{
    public static async Task HandleAsync(HttpContext context, Func<JsonElement, Task> answer, Func<HubError, Task> refuse)
    {
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            await answer(body.RootElement);
        }
        catch (JsonException ex)
        {
            await refuse(HubErrorMapper.MalformedJson(ex));
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var error = HubErrorMapper.Map(ex, context.TraceIdentifier);
            if (error.GrpcStatus != global::Grpc.Core.StatusCode.Cancelled)
            {
                await refuse(error);
            }
        }
    }

    public static async Task StreamAsync(
        HttpContext context,
        IAsyncEnumerable<ChatCompletionUpdate> updates,
        string surface,
        Func<System.IO.Pipelines.PipeWriter, IChatEventWriter> writerFor,
        ILogger logger)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        await using var enumerator = updates.GetAsyncEnumerator(aborted);
        using var open = await ChatEventStream.StartAsync(context, enumerator, surface);
        var writer = writerFor(response.BodyWriter);
        try
        {
            writer.Start(enumerator.Current);
            do
            {
                writer.Write(enumerator.Current);
                await response.BodyWriter.FlushAsync(aborted);
            }
            while (await enumerator.MoveNextAsync());

            writer.Complete();
            await response.BodyWriter.FlushAsync(aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            LogClientGone(logger, context.TraceIdentifier);
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            var error = HubErrorMapper.Map(ex, context.TraceIdentifier);
            LogFailedMidStream(logger, context.TraceIdentifier, error.Type);
            writer.Fail(error);
            await response.BodyWriter.FlushAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client disconnected from stream {RequestId}; upstream call cancelled")]
    private static partial void LogClientGone(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream {RequestId} failed after it started ({ErrorType}); error sent as the surface's error event")]
    private static partial void LogFailedMidStream(ILogger logger, string requestId, string errorType);
}
