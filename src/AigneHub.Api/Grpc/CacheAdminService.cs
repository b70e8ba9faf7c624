using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Caching.Commands.PurgeResponseCache;

namespace AigneHub.Api.Grpc;

/// <summary>The response cache's admin over gRPC and DELETE /api/admin/cache: map, send, map back.</summary>
[HubAccess(KeyScopes.AdminWrite, AdminRole = true)]
internal sealed class CacheAdminService(IMediator mediator, ICallerContext callers) : CacheAdmin.CacheAdminBase
{
    public override async Task<PurgeCacheResponse> PurgeCache(PurgeCacheRequest request, ServerCallContext context)
    {
        var deleted = await mediator.Send(
            new PurgeResponseCacheCommand(request.HasScope ? request.Scope : null, request.HasModel ? request.Model : null, callers.Require().Actor),
            context.CancellationToken);
        return new PurgeCacheResponse { Deleted = deleted };
    }
}
