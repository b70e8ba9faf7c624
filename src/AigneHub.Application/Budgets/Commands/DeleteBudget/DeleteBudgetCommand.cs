using AigneHub.Application.Audit;

namespace AigneHub.Application.Budgets.Commands.DeleteBudget;

/// <summary>Removes a spend budget ("hub", "user:&lt;id&gt;", "key:&lt;id&gt;", "team:&lt;id&gt;"); its subject's calls are no longer limited by it.</summary>
public sealed record DeleteBudgetCommand(string BudgetId, Caller By) : ICommand, IAuditedCommand
{
    public string AuditTarget => $"budget:{BudgetId}";
}
