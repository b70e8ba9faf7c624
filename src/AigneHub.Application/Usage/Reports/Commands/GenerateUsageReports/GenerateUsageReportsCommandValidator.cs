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
        RuleFor(c => c.Period)
            .Must(p => p!.Value >= Earliest && p.Value <= Latest)
            .When(c => c.Period is not null)
            .WithMessage($"period must be between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}: a report also reads the period before it and ends a week after it starts.")
            .OverridePropertyName("period");
    }

    /// <summary>Far enough from DateOnly's ends that the period before (a week) and the period's end (a week later) exist.</summary>
    private static readonly DateOnly Earliest = DateOnly.MinValue.AddDays(14);

    private static readonly DateOnly Latest = DateOnly.MaxValue.AddDays(-14);
}
