namespace AigneHub.Application.Billing.Credits.Commands.AuditCreditAccounts;

internal sealed class AuditCreditAccountsCommandValidator : AbstractValidator<AuditCreditAccountsCommand>
{
    public AuditCreditAccountsCommandValidator() =>
        RuleFor(c => c.UserId!).UserId().When(c => c.UserId is not null).OverridePropertyName("user_id");
}
