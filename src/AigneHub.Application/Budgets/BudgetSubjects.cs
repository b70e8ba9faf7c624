using AigneHub.Domain.Budgets;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Budgets;

/// <summary>
/// Who may set a budget, and on what: a hub admin or owner on any subject that exists; a team's admin on that team's
/// budget only (the delegation rule as it reaches teams, <see cref="TeamDecisions.RequireMayManage"/>).
/// </summary>
internal sealed class BudgetSubjects(IDocumentStore store, IKeyLimitDefaults limits)
{
    public async Task RequireMayBudgetAsync(BudgetScope scope, string subjectId, Caller by, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        if (scope == BudgetScope.Team)
        {
            var team = await session.LoadAsync<Team>(subjectId, cancellationToken)
                ?? throw new ResourceNotFoundException("subject_id", $"There is no team '{subjectId}' on this hub.");
            DomainRules.Run(() =>
            {
                TeamDecisions.RequireMayManage(team, Delegators.From(by, limits), "subject_id");
                return true;
            });
            return;
        }

        if (!by.ManagesHub)
        {
            throw new PermissionDeniedException("Only a hub admin or owner, with an admin:write key, sets the budgets of the hub, its users and keys.", "scope");
        }

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
