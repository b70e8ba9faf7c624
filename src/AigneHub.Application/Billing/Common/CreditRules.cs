using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Billing;

namespace AigneHub.Application.Billing.Common;

/// <summary>Runs a billing decision and turns a broken rule into the hub's error (402, 404, 409 or 400 naming the field).</summary>
internal static class CreditRules
{
    public static T Run<T>(Func<T> decide, string? paymentLink = null)
    {
        try
        {
            return decide();
        }
        catch (CreditRuleException ex)
        {
            throw Translate(ex, paymentLink);
        }
    }

    public static HubException Translate(CreditRuleException ex, string? paymentLink) => ex.Rule switch
    {
        CreditRule.InsufficientCredits => new InsufficientCreditsException(ex.Message, paymentLink),
        CreditRule.UnknownHold => new ResourceNotFoundException(ex.Field, ex.Message),
        CreditRule.AlreadySettled or CreditRule.DuplicateHold or CreditRule.ReferenceReused => new ConflictException(ex.Message),
        _ => new RequestValidationException([new FieldViolation(ex.Field, ex.Message)]),
    };
}
