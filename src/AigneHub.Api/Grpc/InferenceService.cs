using AigneHub.Api.Grpc.V1;

namespace AigneHub.Api.Grpc;

/// <summary>
/// Chat over gRPC: map, send, map back. Its HTTP rule maps POST /v1/chat/completions as a transcoded route, but a
/// JSON-bodied call there is answered by <see cref="Rest.OpenAI.ChatCompletionsMiddleware"/> before this method runs
/// (ADR 0017; see <see cref="Hosting.HubRoutes"/>); transcoding only refuses other bodies. The streaming method is
/// transcoded at POST /api/inference/chat/completions:stream.
/// </summary>
[Identity.HubAccess(Domain.Access.KeyScopes.Inference)]
internal sealed class InferenceService(IMediator mediator) : Inference.InferenceBase
{
    public override async Task<CreateChatCompletionResponse> CreateChatCompletion(CreateChatCompletionRequest request, ServerCallContext context)
    {
        var command = ChatCompletionMapping.ToCommand(request, context.GetHttpContext().TraceIdentifier);
        var completion = await mediator.Send(command, context.CancellationToken);
        return ChatCompletionMapping.ToResponse(completion);
    }

    public override async Task StreamChatCompletion(
        CreateChatCompletionRequest request,
        IServerStreamWriter<ChatCompletionChunk> responseStream,
        ServerCallContext context)
    {
        var command = ChatCompletionMapping.ToStreamCommand(request, context.GetHttpContext().TraceIdentifier);
        await foreach (var update in mediator.CreateStream(command, context.CancellationToken))
        {
            await responseStream.WriteAsync(ChatCompletionMapping.ToChunk(update), context.CancellationToken);
        }
    }
}
