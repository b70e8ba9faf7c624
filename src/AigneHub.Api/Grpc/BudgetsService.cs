using AigneHub.Api.Grpc.V1;
using AigneHub.Application.Budgets.Commands.DeleteBudget;
using AigneHub.Application.Budgets.Commands.SetBudget;
using AigneHub.Application.Budgets.Queries.ListBudgets;
using AigneHub.Domain.Budgets;

namespace AigneHub.Api.Grpc;

/// <summary>Spend budgets over gRPC and /api/admin/budgets, /api/budgets: map, send, map back.</summary>
[HubAccess(KeyScopes.AdminWrite, AdminRole = true)]
internal sealed class BudgetsService(IMediator mediator, ICallerContext callers) : V1.Budgets.BudgetsBase
{
    public override async Task<V1.BudgetStatus> SetBudget(SetBudgetRequest request, ServerCallContext context) =>
        ToMessage(await mediator.Send(ToCommand(request, Scope(request.Scope), request.SubjectId, callers.Require()), context.CancellationToken));

    /// <summary>The command for a budget request, for this service and the team route (which names its team itself).</summary>
    public static SetBudgetCommand ToCommand(SetBudgetRequest request, BudgetScope scope, string subjectId, Caller by) => new(
        scope,
        subjectId,
        BillingMessages.Decimal(request.LimitUsd, "limit_usd"),
        BillingMessages.OptionalDecimal(request.SoftLimitUsd.Length > 0, request.SoftLimitUsd, "soft_limit_usd"),
        Period(request.Period),
        by);

    public override async Task<DeleteBudgetResponse> DeleteBudget(DeleteBudgetRequest request, ServerCallContext context)
    {
        await mediator.Send(new DeleteBudgetCommand(request.BudgetId, callers.Require()), context.CancellationToken);
        return new DeleteBudgetResponse();
    }

    [HubAccess(KeyScopes.AdminRead, AdminRole = true)]
    public override Task<ListBudgetsResponse> ListBudgets(ListBudgetsRequest request, ServerCallContext context) => ListAsync(mine: false, context);

    [HubAccess(null)]
    public override Task<ListBudgetsResponse> ListMyBudgets(ListMyBudgetsRequest request, ServerCallContext context) => ListAsync(mine: true, context);

    private async Task<ListBudgetsResponse> ListAsync(bool mine, ServerCallContext context)
    {
        var statuses = await mediator.Send(new ListBudgetsQuery(mine, callers.Require()), context.CancellationToken);
        var response = new ListBudgetsResponse();
        response.Budgets.AddRange(statuses.Select(ToMessage));
        return response;
    }

    private static BudgetScope Scope(string value) => value switch
    {
        "hub" => BudgetScope.Hub,
        "user" => BudgetScope.User,
        "key" => BudgetScope.Key,
        "team" => BudgetScope.Team,
        _ => throw BillingMessages.Invalid("scope", "scope must be hub, user, key or team"),
    };

    private static BudgetPeriod Period(string value) =>
        Enum.TryParse<BudgetPeriod>(value, ignoreCase: true, out var period) && value.All(char.IsAsciiLetterLower)
            ? period
            : throw BillingMessages.Invalid("period", "period must be minute, hour, day, week, month or none");

    public static V1.BudgetStatus ToMessage(AigneHub.Application.Abstractions.BudgetStatus status)
    {
        var budget = status.Budget;
        var message = new V1.BudgetStatus
        {
            Id = budget.Id,
            Scope = budget.Scope.ToString().ToLowerInvariant(),
            SubjectId = budget.SubjectId,
            LimitUsd = BillingMessages.Text(budget.LimitUsd),
            Period = budget.Period.ToString().ToLowerInvariant(),
            WindowStart = Time(status.WindowStart),
            SpentUsd = BillingMessages.Text(status.SpentUsd),
            ReservedUsd = BillingMessages.Text(status.ReservedUsd),
            RemainingUsd = BillingMessages.Text(status.RemainingUsd),
            UpdatedAt = Time(budget.UpdatedAt),
            UpdatedBy = budget.UpdatedBy,
        };
        if (budget.SoftLimitUsd is { } soft)
        {
            message.SoftLimitUsd = BillingMessages.Text(soft);
        }

        if (status.ResetsAt is { } reset)
        {
            message.ResetsAt = Time(reset);
        }

        return message;
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
