namespace AigneHub.Application.Billing.Credits.Queries.ListCreditTransactions;

/// <summary>A page of a user's ledger, newest first: entries older than <paramref name="BeforeVersion"/> (null = from the newest).</summary>
public sealed record ListCreditTransactionsQuery(string UserId, int Limit, int? BeforeVersion) : IQuery<CreditTransactionPage>;

/// <param name="NextBeforeVersion">Send as before_version for the next (older) page; null on the last page.</param>
public sealed record CreditTransactionPage(IReadOnlyList<CreditTransactionView> Transactions, int? NextBeforeVersion);
