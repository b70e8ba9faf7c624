using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.Application.Usage.Queries.GetUsageStatistics;

internal sealed class GetUsageStatisticsQueryValidator : AbstractValidator<GetUsageStatisticsQuery>
{
    public GetUsageStatisticsQueryValidator()
    {
        RuleFor(q => q.To)
            .GreaterThan(q => q.From)
            .WithMessage("'to' must be later than 'from'.")
            .OverridePropertyName("to");
        RuleFor(q => q)
            .Must(q => q.To - q.From <= GetUsageStatisticsQuery.MaxHourlyRange)
            .When(q => q.Granularity == UsageGranularity.Hour && q.To > q.From)
            .WithMessage("Hourly statistics cover at most 31 days; ask for granularity 'day' for longer ranges.")
            .OverridePropertyName("to");
        RuleFor(q => q)
            .Must(q => q.To - q.From <= GetUsageStatisticsQuery.MaxDailyRange)
            .When(q => q.Granularity == UsageGranularity.Day && q.To > q.From)
            .WithMessage("Daily statistics cover at most 732 days.")
            .OverridePropertyName("to");
        RuleFor(q => q.Granularity).IsInEnum().OverridePropertyName("granularity");
        RuleFor(q => q.GroupBy).IsInEnum().OverridePropertyName("group_by");
        RuleFor(q => q.UserId).MaximumLength(200).OverridePropertyName("user_id");
        RuleFor(q => q.TeamId).MaximumLength(200).OverridePropertyName("team_id");
    }
}
