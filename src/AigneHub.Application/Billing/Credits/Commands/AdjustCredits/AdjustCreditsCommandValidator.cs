using AigneHub.Application.Billing.Common;
using FluentValidation;

namespace AigneHub.Application.Billing.Credits.Commands.AdjustCredits;

internal sealed class AdjustCreditsCommandValidator : AbstractValidator<AdjustCreditsCommand>
{
    public AdjustCreditsCommandValidator()
    {
        RuleFor(c => c.UserId).UserId().OverridePropertyName("user_id");
        RuleFor(c => c.Amount).NotEqual(0).OverridePropertyName("amount").WithMessage("amount must not be zero");
        RuleFor(c => c.Reason).NotEmpty().WithMessage("reason is required").MaximumLength(500).OverridePropertyName("reason");
        RuleFor(c => c.Actor).Actor();
    }
}
