namespace AigneHub.Application.Budgets;

/// <summary>
/// A spend budget has too little left for the call: refused with 402 before any provider is called (see
/// docs/billing.md for why 402 and not 429), with the budget's remaining amount and reset time.
/// </summary>
public sealed class BudgetExceededException(string budgetId, decimal remainingUsd, DateTimeOffset? resetsAt, string message)
    : HubException(ErrorKind.BudgetExceeded, message)
{
    public string BudgetId { get; } = budgetId;

    public decimal RemainingUsd { get; } = remainingUsd;

    public DateTimeOffset? ResetsAt { get; } = resetsAt;
}
