using AigneHub.Domain.Usage.Reports;

namespace AigneHub.Application.Usage.Reports.Commands.GenerateUsageReports;

internal sealed class GenerateUsageReportsCommandValidator : AbstractValidator<GenerateUsageReportsCommand>
{
    public GenerateUsageReportsCommandValidator()
    {
        RuleFor(c => c.Kind).IsInEnum().OverridePropertyName("kind");
        RuleFor(c => c.Period)
            .Must(p => p!.Value.DayOfWeek == DayOfWeek.Monday)
            .When(c => c.Kind == ReportKind.Weekly && c.Period is not null)
            .WithMessage("A weekly report's period starts on a Monday.")
            .OverridePropertyName("period");
    }
}
