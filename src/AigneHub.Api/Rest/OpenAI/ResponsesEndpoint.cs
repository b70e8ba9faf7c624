namespace AigneHub.Api.Rest.OpenAI;

/// <summary>
/// POST /v1/responses, OpenAI's Responses API, translated onto the hub's chat commands
/// (<see cref="ResponsesRequestReader"/>), so every provider, access rule, hold and call record applies: one
/// <c>response</c> object (<see cref="ResponseObjectWriter"/>), or with <c>"stream": true</c> its semantic events
/// (<see cref="ResponseEventWriter"/>). Errors are OpenAI's envelope, naming the Responses member at fault.
/// </summary>
internal sealed class ResponsesEndpoint(IMediator mediator, TimeProvider time, ILogger<ResponsesEndpoint> logger)
{
    public const string Route = "/v1/responses";

    /// <summary>The chat command's member names that the Responses API calls otherwise, for the param of a refusal.</summary>
    private static readonly Dictionary<string, string> ChatToResponses = new(StringComparer.Ordinal)
    {
        ["max_tokens"] = "max_output_tokens",
        ["messages"] = "input",
        ["response_format"] = "text.format",
    };

    public Task HandleAsync(HttpContext context) => ChatSurface.HandleAsync(context, body => AnswerAsync(context, body), error => OpenAIRoute.RefuseAsync(context, error, ChatToResponses));

    private async Task AnswerAsync(HttpContext context, JsonElement body)
    {
        var request = ResponsesRequestReader.Read(body);
        var id = ResponseSnapshot.NewId("resp_");
        if (request.Stream)
        {
            var command = new StreamChatCompletionCommand(context.TraceIdentifier, request.Model, request.Messages, request.Settings);
            var started = new ResponseSnapshot(id, time.GetUtcNow(), request.Model, "in_progress", [], null, request);
            await ChatSurface.StreamAsync(context, mediator.CreateStream(command, context.RequestAborted), "openai-responses", output => new ResponseEventWriter(output, started), logger);
            return;
        }

        var completion = await mediator.Send(new CreateChatCompletionCommand(context.TraceIdentifier, request.Model, request.Messages, request.Settings), context.RequestAborted);
        var (status, reason) = ResponseSnapshot.Outcome(completion.FinishReason);
        var answer = new ResponseSnapshot(id, completion.Created, completion.Model, status, Items(completion), completion.Usage, request) { IncompleteReason = reason };
        await OpenAIRoute.WriteJsonAsync(context, json => ResponseObjectWriter.Write(json, answer));
    }

    private static List<ResponseItem> Items(ChatCompletion completion)
    {
        var items = new List<ResponseItem>();
        if (completion.Content is { } text || completion.ToolCalls is not { Count: > 0 })
        {
            items.Add(new ResponseMessageItem(ResponseSnapshot.NewId("msg_"), completion.Content ?? string.Empty));
        }

        foreach (var call in completion.ToolCalls ?? [])
        {
            items.Add(new ResponseFunctionCallItem(ResponseSnapshot.NewId("fc_"), call.Id, call.Name, call.Arguments));
        }

        return items;
    }
}

/// <summary>How the hand-mapped /v1 routes answer: JSON written into the pipe, and refusals in OpenAI's envelope.</summary>
internal static class OpenAIRoute
{
    public static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        using (var json = new Utf8JsonWriter(response.BodyWriter, new JsonWriterOptions { SkipValidation = true, Encoder = OpenAIErrorBody.WriterOptions.Encoder }))
        {
            write(json);
        }

        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// The refusal in OpenAI's envelope, with the chat member a validator named renamed to the route's own member. It is
    /// also left for the /v1 error edge (<see cref="OpenAIErrorEnvelopeMiddleware"/>), which writes every /v1 error.
    /// </summary>
    public static Task RefuseAsync(HttpContext context, HubError error, IReadOnlyDictionary<string, string> renames)
    {
        if (error.Param is { } param && renames.TryGetValue(param, out var renamed))
        {
            error = error with { Param = renamed, Message = error.Message.Replace(param, renamed, StringComparison.Ordinal) };
        }

        context.Items[HubError.HttpContextKey] = error;
        return OpenAIErrorBody.WriteResponseAsync(context, error);
    }
}
