using AigneHub.Application.Usage;

namespace AigneHub.Application.Usage.Queries.ListCalls;

internal sealed class ListCallsQueryValidator : AbstractValidator<ListCallsQuery>
{
    public ListCallsQueryValidator()
    {
        RuleFor(q => q.Limit)
            .InclusiveBetween(1, ListCallsQuery.MaxLimit)
            .OverridePropertyName("limit");
        RuleFor(q => q.PageToken)
            .Must(token => token is null || CallPageToken.TryParse(token, out _))
            .WithMessage("page_token is not one this API handed out; pass next_page_token from the previous page.")
            .OverridePropertyName("page_token");
        // The filter's fields are query parameters of their own: named "min_latency_ms", not "Filter.min_latency_ms".
        RuleFor(q => q.Filter).SetValidator(new CallFilterValidator()).OverridePropertyName(string.Empty);
    }
}
