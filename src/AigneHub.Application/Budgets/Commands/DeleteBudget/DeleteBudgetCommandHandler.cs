using AigneHub.Application.Budgets;
using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Budgets.Commands.DeleteBudget;

internal sealed class DeleteBudgetCommandHandler(IDocumentStore store, ISpendBudgets budgets, BudgetSubjects subjects) : ICommandHandler<DeleteBudgetCommand>
{
    public async ValueTask<Unit> Handle(DeleteBudgetCommand command, CancellationToken cancellationToken)
    {
        await using (var session = store.LightweightSession())
        {
            var budget = await session.LoadAsync<SpendBudget>(command.BudgetId, cancellationToken)
                ?? throw new ResourceNotFoundException("budget_id", $"There is no budget '{command.BudgetId}'.");

            // Deleting a budget lifts a limit: the same people may do it as may raise it (not a team's own admin).
            await subjects.RequireMayChangeAsync(budget, null, command.By, cancellationToken);

            session.Delete<SpendBudget>(command.BudgetId);
            await session.SaveChangesAsync(cancellationToken);
        }

        await budgets.ReloadAsync(cancellationToken);
        return Unit.Value;
    }
}
