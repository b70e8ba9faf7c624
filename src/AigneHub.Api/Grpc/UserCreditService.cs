using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Billing.Credits.Queries.GetCreditBalance;
using AigneHub.Application.Billing.Credits.Queries.ListCreditTransactions;
using static AigneHub.Api.Grpc.BillingMessages;

namespace AigneHub.Api.Grpc;

/// <summary>The caller's own credit account over gRPC and /api/user/credit: map, send, map back.</summary>
internal sealed class UserCreditService(IMediator mediator, ICallerContext caller) : UserCredit.UserCreditBase
{
    public override async Task<GetCreditBalanceResponse> GetCreditBalance(GetCreditBalanceRequest request, ServerCallContext context) =>
        new() { Balance = ToMessage(await mediator.Send(new GetCreditBalanceQuery(UserId()), context.CancellationToken)) };

    public override async Task<ListMyCreditTransactionsResponse> ListMyCreditTransactions(ListMyCreditTransactionsRequest request, ServerCallContext context)
    {
        var page = await mediator.Send(
            new ListCreditTransactionsQuery(UserId(), request.HasLimit ? request.Limit : CreditAdminService.DefaultPageSize, request.HasBeforeVersion ? request.BeforeVersion : null),
            context.CancellationToken);
        return ContractMapping.Map<ListMyCreditTransactionsResponse>(page);
    }

    private string UserId() =>
        caller.Current?.UserId ?? throw new UnauthenticatedException("Sign in (or send an access key) to see your credit balance.");
}
