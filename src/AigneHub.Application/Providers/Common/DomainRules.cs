using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Providers;

namespace AigneHub.Application.Providers.Common;

/// <summary>Runs a domain decision and turns a broken rule into the hub's error: 409 for a clash, else 400 naming the field.</summary>
internal static class DomainRules
{
    public static T Run<T>(Func<T> decide)
    {
        try
        {
            return decide();
        }
        catch (ProviderRuleException ex) when (ex.IsConflict)
        {
            throw new ConflictException(ex.Message);
        }
        catch (ProviderRuleException ex)
        {
            throw new RequestValidationException([new FieldViolation(ex.Field, ex.Message)]);
        }
    }
}
