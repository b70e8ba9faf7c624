using AigneHub.Api.Grpc.V1;
using Grpc.Core;
using Mediator;

namespace AigneHub.Api.Grpc;

/// <summary>Chat over gRPC (and, transcoded, POST /v1/chat/completions): map, send, map back.</summary>
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
