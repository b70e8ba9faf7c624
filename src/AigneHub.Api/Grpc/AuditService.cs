using AigneHub.Api.Grpc.V1;
using AigneHub.Api.Identity;
using AigneHub.Application.Audit.Queries.ListAuditEntries;
using AigneHub.Domain.Access;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mediator;

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
        foreach (var entry in await mediator.Send(query, context.CancellationToken))
        {
            var message = new V1.AuditEntry
            {
                Id = entry.Id,
                Actor = entry.Actor,
                Kind = entry.Kind,
                Target = entry.Target,
                Outcome = entry.Outcome,
                At = Timestamp.FromDateTimeOffset(entry.At),
                Count = entry.Count,
            };
            if (entry.Before is not null)
            {
                message.Before = entry.Before;
            }

            if (entry.After is not null)
            {
                message.After = entry.After;
            }

            if (entry.Address is not null)
            {
                message.Address = entry.Address;
            }

            if (entry.CorrelationId is not null)
            {
                message.CorrelationId = entry.CorrelationId;
            }

            response.Entries.Add(message);
        }

        return response;
    }
}
