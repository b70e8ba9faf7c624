using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Access;

namespace AigneHub.Application.Access.Common;

/// <summary>Runs an access decision and turns a broken rule into the hub's error: 403, 409, else 400 naming the field.</summary>
internal static class AccessRules
{
    public static T Run<T>(Func<T> decide)
    {
        try
        {
            return decide();
        }
        catch (AccessRuleException ex) when (ex.IsForbidden)
        {
            throw new PermissionDeniedException(ex.Message, ex.Field);
        }
        catch (AccessRuleException ex) when (ex.IsConflict)
        {
            throw new ConflictException(ex.Message);
        }
        catch (AccessRuleException ex)
        {
            throw new RequestValidationException([new FieldViolation(ex.Field, ex.Message)]);
        }
    }
}
