using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Audit.Queries.ListAuditEntries;

namespace AigneHub.Api.Grpc;

/// <summary>The audit trail over gRPC and GET /api/admin/audit: map, send, map back.</summary>
[HubAccess(KeyScopes.AdminRead, AdminRole = true)]
internal sealed class AuditService(IMediator mediator) : V1.Audit.AuditBase
{
    public override async Task<ListAuditEntriesResponse> ListAuditEntries(ListAuditEntriesRequest request, ServerCallContext context)
    {
        var query = new ListAuditEntriesQuery(
            request.HasActor ? request.Actor : null,
            request.HasTarget ? request.Target : null,
            request.HasKind ? request.Kind : null,
            request.From?.ToDateTimeOffset(),
            request.To?.ToDateTimeOffset(),
            request.Limit == 0 ? 100 : request.Limit);
        var response = new ListAuditEntriesResponse();
        response.Entries.AddRange((await mediator.Send(query, context.CancellationToken)).Select(ContractMapping.Map<V1.AuditEntry>));
        return response;
    }
}
