using AigneHub.Api.Grpc.V1;

namespace AigneHub.Api.Grpc;

/// <summary>Image generation and edits over gRPC (and, transcoded, POST /v1/images/generations and /api/images/edits): map, send, map back.</summary>
[Identity.HubAccess(Domain.Access.KeyScopes.Inference)]
internal sealed class ImagesService(IMediator mediator, RestRoot restRoot) : V1.Images.ImagesBase
{
    public override async Task<GenerateImagesResponse> GenerateImages(GenerateImagesRequest request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var command = ImagesMapping.ToCommand(request, http.TraceIdentifier);
        var images = await mediator.Send(command, context.CancellationToken);
        return ImagesMapping.ToResponse(images, restRoot.For(http));
    }

    public override async Task<GenerateImagesResponse> EditImages(EditImagesRequest request, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var images = await mediator.Send(ImagesMapping.ToCommand(request, http.TraceIdentifier), context.CancellationToken);
        return ImagesMapping.ToResponse(images, restRoot.For(http));
    }
}
