namespace AigneHub.Application.Audit.Queries.ListAuditEntries;

internal sealed class ListAuditEntriesQueryValidator : AbstractValidator<ListAuditEntriesQuery>
{
    public ListAuditEntriesQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, 1000).WithMessage("limit must be between 1 and 1000").OverridePropertyName("limit");
        RuleFor(q => q.To).GreaterThan(q => q.From).When(q => q.From is not null && q.To is not null)
            .WithMessage("to must be after from").OverridePropertyName("to");
        RuleFor(q => q.Actor).MaximumLength(200).OverridePropertyName("actor");
        RuleFor(q => q.Target).MaximumLength(200).OverridePropertyName("target");
        RuleFor(q => q.Kind).MaximumLength(100).OverridePropertyName("kind");
    }
}
