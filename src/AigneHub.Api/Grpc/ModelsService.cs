using AigneHub.Application.Models;
using AigneHub.Application.Models.Queries.GetModel;
using AigneHub.Application.Models.Queries.ListModels;

namespace AigneHub.Api.Grpc;

/// <summary>The models list over gRPC (and, transcoded, GET /v1/models and GET /v1/models/{id}): map, send, map back.</summary>
[Identity.HubAccess(Domain.Access.KeyScopes.Inference)]
internal sealed class ModelsService(IMediator mediator) : V1.Models.ModelsBase
{
    public override async Task<V1.ListModelsResponse> ListModels(V1.ListModelsRequest request, ServerCallContext context)
    {
        var models = await mediator.Send(new ListModelsQuery(), context.CancellationToken);
        var response = new V1.ListModelsResponse { Object = "list" };
        response.Data.AddRange(models.Select(m => new V1.ModelInfo
        {
            Id = m.Id,
            Object = "model",
            Created = m.Created.ToUnixTimeSeconds(),
            OwnedBy = m.OwnedBy,
            Type = TypeOf(m.Kind),
        }));
        return response;
    }

    public override async Task<V1.GetModelResponse> GetModel(V1.GetModelRequest request, ServerCallContext context)
    {
        // Clients that escape the '/' of "provider/model" in the path send %2F, which routing leaves as is.
        var model = await mediator.Send(new GetModelQuery(Uri.UnescapeDataString(request.Id)), context.CancellationToken);
        return new V1.GetModelResponse
        {
            Id = model.Id,
            Object = "model",
            Created = model.Created.ToUnixTimeSeconds(),
            OwnedBy = model.OwnedBy,
            Type = TypeOf(model.Kind),
        };
    }

    private static string TypeOf(ModelKind kind) => kind.ToString().ToLowerInvariant();
}
