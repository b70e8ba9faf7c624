using AigneHub.Application.Budgets;
using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Budgets.Queries.ListBudgets;

internal sealed class ListBudgetsQueryHandler(IDocumentStore store, ISpendBudgets budgets) : IQueryHandler<ListBudgetsQuery, IReadOnlyList<BudgetStatus>>
{
    public async ValueTask<IReadOnlyList<BudgetStatus>> Handle(ListBudgetsQuery query, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        IReadOnlyList<SpendBudget> found;
        if (query.Mine)
        {
            var keyId = query.By.KeyId;
            string[] ids =
            [
                SpendBudget.IdOf(BudgetScope.Hub, string.Empty),
                SpendBudget.IdOf(BudgetScope.User, query.By.UserId),
                .. keyId is null ? Array.Empty<string>() : await KeyBudgets.IdsAsync(session, keyId, cancellationToken),
            ];
            found = [.. (await session.LoadManyAsync<SpendBudget>(cancellationToken, ids)).OrderBy(b => b.Id, StringComparer.Ordinal)];
        }
        else
        {
            found = [.. (await session.Query<SpendBudget>().ToListAsync(cancellationToken)).OrderBy(b => b.Id, StringComparer.Ordinal)];
        }

        return await budgets.StatusAsync(found, cancellationToken);
    }
}
