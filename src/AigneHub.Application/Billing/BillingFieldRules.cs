namespace AigneHub.Application.Billing;

/// <summary>Input-shape rules shared by the billing commands; the state rules live in the domain decisions.</summary>
internal static class BillingFieldRules
{
    public static IRuleBuilderOptions<T, string> RatedProvider<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().WithMessage("provider is required")
            .Must(ProviderNames.IsKnown)
            .WithMessage(_ => $"provider must be one of: {string.Join(", ", ProviderNames.All.Order())}");

    public static IRuleBuilderOptions<T, string> ModelId<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().WithMessage("model is required").MaximumLength(200);

    public static IRuleBuilderOptions<T, string> UserId<T>(this IRuleBuilder<T, string> rule) =>
        rule.NotEmpty().WithMessage("user_id is required").MaximumLength(200)
            .Must(id => id.All(c => !char.IsControl(c))).WithMessage("user_id must not contain control characters");

    /// <summary>An amount of credits to give: more than zero, at most <see cref="Domain.Billing.Credits.MaxAmount"/>, at most <see cref="Domain.Billing.Credits.Scale"/> decimal places.</summary>
    public static IRuleBuilderOptions<T, decimal> CreditAmount<T>(this IRuleBuilder<T, decimal> rule, string field) =>
        rule.GreaterThan(0).WithMessage($"{field} must be greater than zero")
            .LessThanOrEqualTo(Domain.Billing.Credits.MaxAmount).WithMessage($"{field} must be at most {Domain.Billing.Credits.MaxAmount} credits")
            .Must(a => a == Domain.Billing.Credits.Round(a)).WithMessage($"{field} has at most {Domain.Billing.Credits.Scale} decimal places")
            .OverridePropertyName(field);
}
