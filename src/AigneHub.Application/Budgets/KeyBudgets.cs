using AigneHub.Domain.Budgets;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Budgets;

/// <summary>The spend budgets bound to one key rather than to its user: its own and its team's (a team key's).</summary>
internal static class KeyBudgets
{
    /// <summary>The ids the key's own budget and its teams' budgets have, whether they exist or not.</summary>
    public static async Task<string[]> IdsAsync(IQuerySession session, string keyId, CancellationToken cancellationToken)
    {
        var teams = await session.Query<Team>().Where(t => t.KeyIds.Contains(keyId)).Select(t => t.Id).ToListAsync(cancellationToken);
        return [SpendBudget.IdOf(BudgetScope.Key, keyId), .. teams.Select(team => SpendBudget.IdOf(BudgetScope.Team, team))];
    }

    /// <summary>
    /// Refuses to let a key held to a budget of its own or of its team hand out another key's secret (create one, or
    /// rotate another): that key would not be held to the budget (<see cref="Delegation.RequireUnbudgeted"/>).
    /// </summary>
    public static async Task RequireUnboundAsync(IDocumentStore store, Caller by, CancellationToken cancellationToken)
    {
        if (by.KeyId is not { } keyId)
        {
            return;
        }

        await using var session = store.QuerySession();
        var bound = await session.LoadManyAsync<SpendBudget>(cancellationToken, await IdsAsync(session, keyId, cancellationToken));
        DomainRules.Check(() => Delegation.RequireUnbudgeted(keyId, [.. bound.Select(b => b.Id)]));
    }
}
