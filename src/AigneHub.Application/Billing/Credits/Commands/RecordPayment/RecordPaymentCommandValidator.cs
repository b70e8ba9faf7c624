using AigneHub.Application.Billing.Common;
using FluentValidation;

namespace AigneHub.Application.Billing.Credits.Commands.RecordPayment;

internal sealed class RecordPaymentCommandValidator : AbstractValidator<RecordPaymentCommand>
{
    public RecordPaymentCommandValidator()
    {
        RuleFor(c => c.PaymentId).NotEmpty().WithMessage("payment_id is required").MaximumLength(200).OverridePropertyName("payment_id");
        RuleFor(c => c.UserId).UserId().OverridePropertyName("user_id");
        RuleFor(c => c.Credits).GreaterThan(0).WithMessage("credits must be greater than zero")
            .Must(c => c == Domain.Billing.Credits.Round(c)).WithMessage($"credits has at most {Domain.Billing.Credits.Scale} decimal places")
            .OverridePropertyName("credits");
    }
}
