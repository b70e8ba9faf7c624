using AigneHub.Api.Grpc.V1;

namespace AigneHub.Api.Grpc;

/// <summary>Embeddings over gRPC (and, transcoded, POST /v1/embeddings): map, send, map back.</summary>
[Identity.HubAccess(Domain.Access.KeyScopes.Inference)]
internal sealed class EmbeddingsService(IMediator mediator) : V1.Embeddings.EmbeddingsBase
{
    public override async Task<CreateEmbeddingsResponse> CreateEmbeddings(CreateEmbeddingsRequest request, ServerCallContext context)
    {
        var command = EmbeddingsMapping.ToCommand(request, context.GetHttpContext().TraceIdentifier);
        var result = await mediator.Send(command, context.CancellationToken);
        return EmbeddingsMapping.ToResponse(result, request.EncodingFormat);
    }
}
