namespace AigneHub.Application.Billing.Credits.Queries.GetCreditBalance;

internal sealed class GetCreditBalanceQueryValidator : AbstractValidator<GetCreditBalanceQuery>
{
    public GetCreditBalanceQueryValidator() => RuleFor(c => c.UserId).UserId().OverridePropertyName("user_id");
}
