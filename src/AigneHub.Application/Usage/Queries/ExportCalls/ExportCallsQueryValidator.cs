using AigneHub.Application.Usage;

namespace AigneHub.Application.Usage.Queries.ExportCalls;

internal sealed class ExportCallsQueryValidator : AbstractValidator<ExportCallsQuery>
{
    // The filter's fields are query parameters of their own: named "min_latency_ms", not "Filter.min_latency_ms".
    public ExportCallsQueryValidator() => RuleFor(q => q.Filter).SetValidator(new CallFilterValidator()).OverridePropertyName(string.Empty);
}
