using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Usage.Queries.ListRecentCalls;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mediator;
using DomainUsage = AigneHub.Domain.Usage;

namespace AigneHub.Api.Grpc;

/// <summary>Call records over gRPC and GET /api/usage/calls.</summary>
[Identity.HubAccess(Domain.Access.KeyScopes.AdminRead, AdminRole = true)]
internal sealed class UsageService(IMediator mediator) : V1.Usage.UsageBase
{
    public override async Task<ListCallsResponse> ListCalls(ListCallsRequest request, ServerCallContext context)
    {
        var limit = request.Limit == 0 ? ListRecentCallsQuery.DefaultLimit : request.Limit;
        var records = await mediator.Send(new ListRecentCallsQuery(limit), context.CancellationToken);
        var response = new ListCallsResponse();
        response.Calls.AddRange(records.Select(ToMessage));
        return response;
    }

    private static CallRecord ToMessage(DomainUsage.CallRecord record)
    {
        var message = new CallRecord
        {
            Id = record.Id.ToString(),
            RequestId = record.RequestId,
            Provider = record.Provider,
            Model = record.Model,
            CallType = record.CallType.ToString().ToLowerInvariant(),
            Streamed = record.Streamed,
            PromptTokens = record.PromptTokens,
            CompletionTokens = record.CompletionTokens,
            TotalTokens = record.TotalTokens,
            LatencyMs = Math.Round(record.LatencyMs, 3),
            Status = record.Status.ToString().ToLowerInvariant(),
            ErrorKind = record.ErrorKind == DomainUsage.ErrorKind.None ? string.Empty : ToSnakeCase(record.ErrorKind.ToString()),
            StartedAt = Timestamp.FromDateTimeOffset(record.StartedAt),
            Images = record.Images,
        };

        if (record.TtfbMs is { } ttfb)
        {
            message.TtfbMs = Math.Round(ttfb, 3);
        }

        AddBilling(message, record);

        return message;
    }

    private static void AddBilling(CallRecord message, DomainUsage.CallRecord record)
    {
        if (record.UserId is not null)
        {
            message.UserId = record.UserId;
        }

        if (record.CreditsCharged is { } credits)
        {
            message.CreditsCharged = BillingMessages.Text(credits);
        }

        if (record.CostUsd is { } usd)
        {
            message.CostUsd = BillingMessages.Text(usd);
        }

        if (record.RateId is not null)
        {
            message.RateId = record.RateId;
        }

        if (record.RateVersion is { } version)
        {
            message.RateVersion = version;
        }
    }

    private static string ToSnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
