namespace AigneHub.Application.Billing.Credits.Commands.GrantCredits;

internal sealed class GrantCreditsCommandValidator : AbstractValidator<GrantCreditsCommand>
{
    public GrantCreditsCommandValidator()
    {
        RuleFor(c => c.UserId).UserId().OverridePropertyName("user_id");
        RuleFor(c => c.Amount).CreditAmount("amount");
        RuleFor(c => c.Source).IsInEnum().OverridePropertyName("source");
        RuleFor(c => c.IdempotencyKey).MaximumLength(200).OverridePropertyName("idempotency_key")
            .Must(k => k is null || (k.Length > 0 && !k.Any(char.IsControl))).WithMessage("idempotency_key must not be empty or contain control characters");
        RuleFor(c => c.Actor).Actor();
    }
}
