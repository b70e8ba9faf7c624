namespace AigneHub.Application.Billing.Rates.Queries.GetModelRateHistory;

internal sealed class GetModelRateHistoryQueryValidator : AbstractValidator<GetModelRateHistoryQuery>
{
    public GetModelRateHistoryQueryValidator()
    {
        RuleFor(c => c.Type).IsInEnum().OverridePropertyName("type");
        RuleFor(c => c.Provider).RatedProvider().OverridePropertyName("provider");
        RuleFor(c => c.Model).ModelId().OverridePropertyName("model");
    }
}
