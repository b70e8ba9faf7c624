using AigneHub.Application.Budgets;
using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Budgets.Commands.DeleteBudget;

internal sealed class DeleteBudgetCommandHandler(IDocumentStore store, ISpendBudgets budgets) : ICommandHandler<DeleteBudgetCommand>
{
    public async ValueTask<Unit> Handle(DeleteBudgetCommand command, CancellationToken cancellationToken)
    {
        await using (var session = store.LightweightSession())
        {
            if (await session.LoadAsync<SpendBudget>(command.BudgetId, cancellationToken) is null)
            {
                throw new ResourceNotFoundException("budget_id", $"There is no budget '{command.BudgetId}'.");
            }

            session.Delete<SpendBudget>(command.BudgetId);
            await session.SaveChangesAsync(cancellationToken);
        }

        await budgets.ReloadAsync(cancellationToken);
        return Unit.Value;
    }
}
