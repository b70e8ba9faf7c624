namespace AigneHub.Application.Billing.Credits.Queries.ListCreditTransactions;

internal sealed class ListCreditTransactionsQueryValidator : AbstractValidator<ListCreditTransactionsQuery>
{
    public ListCreditTransactionsQueryValidator()
    {
        RuleFor(c => c.UserId).UserId().OverridePropertyName("user_id");
        RuleFor(c => c.Limit).InclusiveBetween(1, 500).OverridePropertyName("limit");
        RuleFor(c => c.BeforeVersion).GreaterThan(1).When(c => c.BeforeVersion is not null).OverridePropertyName("before_version");
    }
}
