using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Budgets;

/// <summary>
/// The changes of one spend budget, decided one after the other. Whether a change is allowed depends on the budget it
/// replaces (a team's admin only tightens one, <see cref="SpendBudget.LoosenedIn"/>), so its load, check and write are
/// one transaction that first takes a transaction-scoped advisory lock on the budget's id: a second change of the same
/// budget, on any instance, waits until the first commits or rolls back, and is then decided on what that one left.
/// A lock on the id rather than on the document's row also covers a budget that does not exist yet (two creations
/// queue the same way) and a deletion. Budgets change rarely, so waiting costs nothing noticeable, where a refusal of
/// the stale change (optimistic concurrency) would send the caller back to retry what the lock decides at once.
/// </summary>
internal static class BudgetChanges
{
    /// <summary>
    /// Begins <paramref name="session"/>'s transaction, takes the budget's lock (held until it commits or rolls back)
    /// and loads the budget as the previous change left it; null when there is none.
    /// </summary>
    public static async Task<SpendBudget?> LockAndLoadAsync(IDocumentSession session, string budgetId, CancellationToken cancellationToken)
    {
        // Storage before the transaction, as the credit-ledger writer does (nothing to do once the schema is up to date).
        await session.Database.EnsureStorageExistsAsync(typeof(SpendBudget), cancellationToken);
        await session.BeginTransactionAsync(cancellationToken);
        // Through the session's own query (its connection and transaction), with no Npgsql command of this layer's own.
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(hashtextextended(?, 0))", cancellationToken, LockKey(budgetId));
        return await session.LoadAsync<SpendBudget>(budgetId, cancellationToken);
    }

    /// <summary>The text whose 64-bit hash keys the budget's lock: prefixed, so it shares no key with other advisory locks.</summary>
    public static string LockKey(string budgetId) => $"aignehub.spend_budget:{budgetId}";
}
