using AigneHub.Domain;

namespace AigneHub.Application.Errors;

/// <summary>
/// The one translation from a broken domain rule to the hub's error, which the edge maps to its status for REST and
/// gRPC alike: 400 naming the field, 409, 403, 404, or 402 (with where to buy credits, when the caller knows it).
/// Event-stream writes run their decisions through it (<see cref="EventSourcing.EventStreams"/>); a decision made
/// outside one is run through <see cref="Run{T}"/>.
/// </summary>
internal static class DomainRules
{
    public static T Run<T>(Func<T> decide, string? paymentLink = null)
    {
        try
        {
            return decide();
        }
        catch (DomainRuleException ex)
        {
            throw Translate(ex, paymentLink);
        }
    }

    /// <summary>Checks a rule that decides nothing but may be broken (who may act on whom): <see cref="Run{T}"/> without a result.</summary>
    public static void Check(Action rule) => Run(() =>
    {
        rule();
        return true;
    });

    public static HubException Translate(DomainRuleException ex, string? paymentLink = null) => ex.Breach switch
    {
        RuleBreach.Conflict => new ConflictException(ex.Message),
        RuleBreach.Forbidden => new PermissionDeniedException(ex.Message, ex.Field),
        RuleBreach.NotFound => new ResourceNotFoundException(ex.Field, ex.Message),
        RuleBreach.Unaffordable => new InsufficientCreditsException(ex.Message, paymentLink),
        _ => new RequestValidationException([new FieldViolation(ex.Field, ex.Message)]),
    };
}
