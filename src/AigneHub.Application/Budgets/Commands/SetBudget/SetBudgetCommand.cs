using AigneHub.Application.Audit;
using AigneHub.Application.Budgets;
using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Budgets.Commands.SetBudget;

/// <summary>Creates or replaces the spend budget of a subject (the hub, a user, a key, a team). Its counters carry on: a lower limit applies to what the window already spent.</summary>
/// <param name="SubjectId">The user, key or team id; empty for the hub.</param>
public sealed record SetBudgetCommand(BudgetScope Scope, string SubjectId, decimal LimitUsd, decimal? SoftLimitUsd, BudgetPeriod Period, Caller By)
    : ICommand<BudgetStatus>, IAuditedCommand
{
    public string AuditTarget => $"budget:{SpendBudget.IdOf(Scope, SubjectId)}";
}
