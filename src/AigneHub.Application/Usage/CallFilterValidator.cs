namespace AigneHub.Application.Usage;

internal sealed class CallFilterValidator : AbstractValidator<CallFilter>
{
    public CallFilterValidator()
    {
        RuleFor(f => f.To)
            .GreaterThan(f => f.From)
            .When(f => f.From is not null && f.To is not null)
            .WithMessage("'to' must be later than 'from'.")
            .OverridePropertyName("to");
        RuleFor(f => f.MinLatencyMs)
            .GreaterThanOrEqualTo(0)
            .OverridePropertyName("min_latency_ms");
        RuleFor(f => f.CallType).IsInEnum().OverridePropertyName("call_type");
        RuleFor(f => f.Status).IsInEnum().OverridePropertyName("status");
        RuleFor(f => f.UserId).MaximumLength(200).OverridePropertyName("user_id");
        RuleFor(f => f.AppId).MaximumLength(200).OverridePropertyName("app_id");
        RuleFor(f => f.TeamId).MaximumLength(100).OverridePropertyName("team_id");
        RuleFor(f => f.Provider).MaximumLength(100).OverridePropertyName("provider");
        RuleFor(f => f.Model).MaximumLength(300).OverridePropertyName("model");
    }
}
