namespace AigneHub.Application.Usage.Reports.Queries.ListUsageReports;

internal sealed class ListUsageReportsQueryValidator : AbstractValidator<ListUsageReportsQuery>
{
    public ListUsageReportsQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, ListUsageReportsQuery.MaxLimit).OverridePropertyName("limit");
        RuleFor(q => q.Kind).IsInEnum().OverridePropertyName("kind");
        RuleFor(q => q.Scope).MaximumLength(200).OverridePropertyName("scope");
        RuleFor(q => q.To)
            .GreaterThanOrEqualTo(q => q.From)
            .When(q => q.From is not null && q.To is not null)
            .WithMessage("'to' must not be before 'from'.")
            .OverridePropertyName("to");
    }
}
