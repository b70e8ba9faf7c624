using AigneHub.Application.Usage.Common;
using FluentValidation;

namespace AigneHub.Application.Usage.Queries.ExportCalls;

internal sealed class ExportCallsQueryValidator : AbstractValidator<ExportCallsQuery>
{
    public ExportCallsQueryValidator() => RuleFor(q => q.Filter).SetValidator(new CallFilterValidator());
}
