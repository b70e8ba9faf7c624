using AigneHub.Application.Billing.Common;
using FluentValidation;

namespace AigneHub.Application.Billing.Credits.Commands.GrantCredits;

internal sealed class GrantCreditsCommandValidator : AbstractValidator<GrantCreditsCommand>
{
    public GrantCreditsCommandValidator()
    {
        RuleFor(c => c.UserId).UserId().OverridePropertyName("user_id");
        RuleFor(c => c.Amount).GreaterThan(0).OverridePropertyName("amount").WithMessage("amount must be greater than zero");
        RuleFor(c => c.Source).IsInEnum().OverridePropertyName("source");
        RuleFor(c => c.Reference).MaximumLength(200).OverridePropertyName("reference");
        RuleFor(c => c.Actor).Actor();
    }
}
