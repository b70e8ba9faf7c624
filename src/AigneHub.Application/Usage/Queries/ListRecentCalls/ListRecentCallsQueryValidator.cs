using FluentValidation;

namespace AigneHub.Application.Usage.Queries.ListRecentCalls;

internal sealed class ListRecentCallsQueryValidator : AbstractValidator<ListRecentCallsQuery>
{
    public ListRecentCallsQueryValidator()
    {
        RuleFor(q => q.Limit)
            .InclusiveBetween(1, ListRecentCallsQuery.MaxLimit)
            .OverridePropertyName("limit");
    }
}
