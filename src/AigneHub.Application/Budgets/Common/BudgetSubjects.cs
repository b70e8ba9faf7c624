using AigneHub.Application.Common.Errors;
using AigneHub.Domain.Access;
using AigneHub.Domain.Budgets;
using Marten;

namespace AigneHub.Application.Budgets.Common;

/// <summary>Checks that the user or key a budget is set for exists, so a typo does not leave a budget nothing uses.</summary>
internal sealed class BudgetSubjects(IDocumentStore store)
{
    public async Task RequireAsync(BudgetScope scope, string subjectId, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var exists = scope switch
        {
            BudgetScope.User => await session.LoadAsync<HubUser>(subjectId, cancellationToken) is not null,
            BudgetScope.Key => await session.LoadAsync<AccessKey>(subjectId, cancellationToken) is not null,
            _ => true,
        };
        if (!exists)
        {
            throw new ResourceNotFoundException("subject_id", $"There is no {scope.ToString().ToLowerInvariant()} '{subjectId}' on this hub.");
        }
    }
}
