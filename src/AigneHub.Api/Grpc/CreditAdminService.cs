using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Billing.Credits.Commands.AdjustCredits;
using AigneHub.Application.Billing.Credits.Commands.AuditCreditAccounts;
using AigneHub.Application.Billing.Credits.Commands.GrantCredits;
using AigneHub.Application.Billing.Credits.Queries.GetCreditBalance;
using AigneHub.Application.Billing.Credits.Queries.ListCreditTransactions;
using static AigneHub.Api.Grpc.BillingMessages;

namespace AigneHub.Api.Grpc;

/// <summary>Users' credit accounts over gRPC and /api/admin/credits: map, send, map back.</summary>
[Identity.HubAccess(Domain.Access.KeyScopes.AdminWrite, AdminRole = true)]
internal sealed class CreditAdminService(IMediator mediator, ICallerContext caller) : CreditAdmin.CreditAdminBase
{
    public const int DefaultPageSize = 50;

    [Identity.HubAccess(Domain.Access.KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<GetCreditAccountResponse> GetCreditAccount(GetCreditAccountRequest request, ServerCallContext context)
    {
        var query = new GetCreditBalanceQuery(request.UserId, request.AsOf?.ToDateTimeOffset());
        return new() { Balance = ToMessage(await mediator.Send(query, context.CancellationToken)) };
    }

    [Identity.HubAccess(Domain.Access.KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<ListCreditTransactionsResponse> ListCreditTransactions(ListCreditTransactionsRequest request, ServerCallContext context)
    {
        var page = await mediator.Send(
            new ListCreditTransactionsQuery(request.UserId, request.HasLimit ? request.Limit : DefaultPageSize, request.HasBeforeVersion ? request.BeforeVersion : null),
            context.CancellationToken);
        return ContractMapping.Map<ListCreditTransactionsResponse>(page);
    }

    public override async Task<GrantCreditsResponse> GrantCredits(GrantCreditsRequest request, ServerCallContext context)
    {
        var source = (request.HasSource ? request.Source : "admin") switch
        {
            "admin" => GrantSource.Admin,
            "promotion" => GrantSource.Promotion,
            _ => throw new RequestValidationException([new FieldViolation("source", "source must be admin or promotion (purchases arrive through the payment webhook)")]),
        };
        var command = new GrantCreditsCommand(
            request.UserId, Decimal(request.Amount, "amount"), source, request.ExpiresAt?.ToDateTimeOffset(),
            request.HasIdempotencyKey ? request.IdempotencyKey : null, Actor(context, caller), caller.Require());
        var outcome = await mediator.Send(command, context.CancellationToken);
        return new() { Balance = ToMessage(outcome.Balance), Granted = outcome.Granted };
    }

    public override async Task<AdjustCreditsResponse> AdjustCredits(AdjustCreditsRequest request, ServerCallContext context)
    {
        var command = new AdjustCreditsCommand(request.UserId, Decimal(request.Amount, "amount"), request.Reason, Actor(context, caller), caller.Require());
        return new() { Balance = ToMessage(await mediator.Send(command, context.CancellationToken)) };
    }

    [Identity.HubAccess(Domain.Access.KeyScopes.AdminRead, AdminRole = true)]
    public override async Task<AuditCreditAccountsResponse> AuditCreditAccounts(AuditCreditAccountsRequest request, ServerCallContext context)
    {
        var report = await mediator.Send(new AuditCreditAccountsCommand(request.HasUserId ? request.UserId : null), context.CancellationToken);
        var response = new AuditCreditAccountsResponse { AccountsChecked = report.AccountsChecked, TotalUncollected = Text(report.TotalUncollected) };
        response.Uncollected.AddRange(report.Uncollected.Select(u => new UncollectedAccount { UserId = u.UserId, TotalUncollected = Text(u.Amount) }));
        response.Mismatches.AddRange(report.Mismatches.Select(m =>
        {
            var message = new V1.AuditMismatch { UserId = m.UserId, Replayed = m.Replayed };
            if (m.Projected is not null)
            {
                message.Projected = m.Projected;
            }

            return message;
        }));
        return response;
    }
}
