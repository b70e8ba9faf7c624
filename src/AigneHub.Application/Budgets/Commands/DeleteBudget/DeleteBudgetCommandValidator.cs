namespace AigneHub.Application.Budgets.Commands.DeleteBudget;

internal sealed class DeleteBudgetCommandValidator : AbstractValidator<DeleteBudgetCommand>
{
    public DeleteBudgetCommandValidator()
    {
        RuleFor(c => c.BudgetId).NotEmpty().MaximumLength(300).OverridePropertyName("budget_id");
        RuleFor(c => c.By.Actor).Actor();
    }
}
