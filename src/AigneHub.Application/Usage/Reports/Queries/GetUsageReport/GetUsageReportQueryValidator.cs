namespace AigneHub.Application.Usage.Reports.Queries.GetUsageReport;

internal sealed class GetUsageReportQueryValidator : AbstractValidator<GetUsageReportQuery>
{
    public GetUsageReportQueryValidator() => RuleFor(q => q.Id).NotEmpty().MaximumLength(300).OverridePropertyName("id");
}
