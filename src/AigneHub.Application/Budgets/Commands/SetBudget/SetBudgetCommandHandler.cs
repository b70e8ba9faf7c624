using AigneHub.Application.Budgets;
using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Budgets.Commands.SetBudget;

internal sealed class SetBudgetCommandHandler(IDocumentStore store, ISpendBudgets budgets, BudgetSubjects subjects, TimeProvider time)
    : ICommandHandler<SetBudgetCommand, BudgetStatus>
{
    public async ValueTask<BudgetStatus> Handle(SetBudgetCommand command, CancellationToken cancellationToken)
    {
        var budget = new SpendBudget
        {
            Id = SpendBudget.IdOf(command.Scope, command.SubjectId),
            Scope = command.Scope,
            SubjectId = command.SubjectId,
            LimitUsd = command.LimitUsd,
            SoftLimitUsd = command.SoftLimitUsd,
            Period = command.Period,
            UpdatedAt = time.GetUtcNow(),
            UpdatedBy = command.By.Actor,
        };
        await using (var session = store.LightweightSession())
        {
            // Whether a team's admin may make this change depends on the budget it replaces (they only tighten one): it is
            // decided under the budget's lock, on what the previous change of it committed, and stored in that transaction.
            var current = await BudgetChanges.LockAndLoadAsync(session, budget.Id, cancellationToken);
            await subjects.RequireMayChangeAsync(session, current, budget, command.By, cancellationToken);
            session.Store(budget);
            await session.SaveChangesAsync(cancellationToken);
        }

        await budgets.ReloadAsync(cancellationToken);
        return (await budgets.StatusAsync([budget], cancellationToken))[0];
    }
}
