namespace AigneHub.Application.Billing.Credits.Commands.AdjustCredits;

internal sealed class AdjustCreditsCommandValidator : AbstractValidator<AdjustCreditsCommand>
{
    public AdjustCreditsCommandValidator()
    {
        RuleFor(c => c.UserId).UserId().OverridePropertyName("user_id");
        RuleFor(c => c.Amount).NotEqual(0).WithMessage("amount must not be zero")
            .Must(a => Math.Abs(a) <= Domain.Billing.Credits.MaxAmount).WithMessage($"amount must be at most {Domain.Billing.Credits.MaxAmount} credits either way")
            .Must(a => a == Domain.Billing.Credits.Round(a)).WithMessage($"amount has at most {Domain.Billing.Credits.Scale} decimal places")
            .OverridePropertyName("amount");
        RuleFor(c => c.Reason).NotEmpty().WithMessage("reason is required").MaximumLength(500).OverridePropertyName("reason");
        RuleFor(c => c.Actor).Actor();
    }
}
