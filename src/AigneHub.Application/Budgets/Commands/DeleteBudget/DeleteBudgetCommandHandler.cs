using AigneHub.Application.Budgets;
using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Budgets.Commands.DeleteBudget;

internal sealed class DeleteBudgetCommandHandler(IDocumentStore store, ISpendBudgets budgets, BudgetSubjects subjects) : ICommandHandler<DeleteBudgetCommand>
{
    public async ValueTask<Unit> Handle(DeleteBudgetCommand command, CancellationToken cancellationToken)
    {
        await using (var session = store.LightweightSession())
        {
            // Under the budget's lock, as a change of it is (BudgetChanges): decided on the budget as it is now.
            var budget = await BudgetChanges.LockAndLoadAsync(session, command.BudgetId, cancellationToken)
                ?? throw new ResourceNotFoundException("budget_id", $"There is no budget '{command.BudgetId}'.");

            // Deleting a budget lifts a limit: the same people may do it as may raise it (not a team's own admin).
            await subjects.RequireMayChangeAsync(session, budget, null, command.By, cancellationToken);

            session.Delete<SpendBudget>(command.BudgetId);
            await session.SaveChangesAsync(cancellationToken);
        }

        await budgets.ReloadAsync(cancellationToken);
        return Unit.Value;
    }
}
