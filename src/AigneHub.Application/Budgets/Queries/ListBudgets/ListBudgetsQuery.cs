using AigneHub.Application.Budgets;

namespace AigneHub.Application.Budgets.Queries.ListBudgets;

/// <summary>
/// The spend budgets with their current window (spent, reserved, remaining, reset time): every budget for an admin
/// route (<paramref name="Mine"/> false), or those that limit the caller's own calls (the hub's, the user's, the key's, the key's team's).
/// </summary>
public sealed record ListBudgetsQuery(bool Mine, Caller By) : IQuery<IReadOnlyList<BudgetStatus>>;
