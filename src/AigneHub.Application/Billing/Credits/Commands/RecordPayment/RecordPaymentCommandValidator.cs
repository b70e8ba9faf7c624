namespace AigneHub.Application.Billing.Credits.Commands.RecordPayment;

internal sealed class RecordPaymentCommandValidator : AbstractValidator<RecordPaymentCommand>
{
    public RecordPaymentCommandValidator()
    {
        RuleFor(c => c.PaymentId).NotEmpty().WithMessage("payment_id is required").MaximumLength(200).OverridePropertyName("payment_id");
        RuleFor(c => c.UserId).UserId().OverridePropertyName("user_id");
        RuleFor(c => c.Credits).CreditAmount("credits");
    }
}
