using AigneHub.Domain.Budgets;

namespace AigneHub.Application.Budgets.Commands.SetBudget;

internal sealed class SetBudgetCommandValidator : AbstractValidator<SetBudgetCommand>
{
    /// <summary>US dollars with at most 8 decimal places, as call costs are kept.</summary>
    private const int UsdScale = 8;

    public SetBudgetCommandValidator()
    {
        RuleFor(c => c.Scope).IsInEnum().OverridePropertyName("scope");
        RuleFor(c => c.SubjectId).Empty().When(c => c.Scope == BudgetScope.Hub)
            .WithMessage("subject_id must be empty for the hub-wide budget").OverridePropertyName("subject_id");
        RuleFor(c => c.SubjectId).Id("subject_id").When(c => c.Scope != BudgetScope.Hub);
        RuleFor(c => c.LimitUsd).GreaterThan(0m).PrecisionScale(20, UsdScale, true).OverridePropertyName("limit_usd");
        RuleFor(c => c.SoftLimitUsd).GreaterThan(0m).LessThanOrEqualTo(c => c.LimitUsd)
            .WithMessage("soft_limit_usd must be more than 0 and at most limit_usd")
            .When(c => c.SoftLimitUsd is not null).OverridePropertyName("soft_limit_usd");
        RuleFor(c => c.Period).IsInEnum().OverridePropertyName("period");
        RuleFor(c => c.By.Actor).Actor();
    }
}
