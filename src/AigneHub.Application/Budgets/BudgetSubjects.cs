using AigneHub.Domain.Budgets;
using AigneHub.Domain.Teams;

namespace AigneHub.Application.Budgets;

/// <summary>
/// Who may set or delete a budget, and on what: an owner with admin:write on the hub's budget (which limits admins too,
/// <see cref="Delegation.RequireMayLimitEveryone"/>); an owner on
/// any user's or key's, an admin on members' and their keys' only (<see cref="Delegation.RequireMayLimit"/>); a hub
/// admin on a team's, and the team's admin only to tighten it (<see cref="TeamDecisions.RequireMayChangeBudget"/>).
/// </summary>
internal sealed class BudgetSubjects(IKeyLimitDefaults limits)
{
    /// <param name="session">The change's session, which holds the budget's lock (<see cref="BudgetChanges"/>).</param>
    /// <param name="current">The subject's budget as stored; null when it has none.</param>
    /// <param name="next">
    /// The budget as it would be; null to delete <paramref name="current"/>. When deleting, a user, key or team that no
    /// longer exists leaves its budget to any hub admin, rather than a 404.
    /// </param>
    public async Task RequireMayChangeAsync(IQuerySession session, SpendBudget? current, SpendBudget? next, Caller by, CancellationToken cancellationToken)
    {
        var budget = next ?? current ?? throw new ArgumentException("A budget change has a budget before or after it.", nameof(next));
        var (scope, subjectId) = (budget.Scope, budget.SubjectId);
        var subjectMayBeGone = next is null;
        if (scope == BudgetScope.Team)
        {
            var team = await session.LoadAsync<Team>(subjectId, cancellationToken);
            if (team is not null)
            {
                DomainRules.Check(() => TeamDecisions.RequireMayChangeBudget(team, current, next, Delegators.From(by, limits)));
            }
            else if (!subjectMayBeGone || !by.ManagesHub)
            {
                throw new ResourceNotFoundException("subject_id", $"There is no team '{subjectId}' on this hub.");
            }

            return;
        }

        if (!by.ManagesHub)
        {
            throw new PermissionDeniedException("Only a hub admin or owner, with an admin:write key, sets the budgets of the hub, its users and keys.", "scope");
        }

        if (scope == BudgetScope.Hub)
        {
            DomainRules.Check(() => Delegation.RequireMayLimitEveryone(Delegators.From(by, limits), "scope"));
            return;
        }

        // A user's or key's budget limits that user: the delegation rule decides who may set it (an admin: members only).
        var userId = scope == BudgetScope.User ? subjectId : (await session.LoadAsync<AccessKey>(subjectId, cancellationToken))?.UserId;
        var user = userId is null ? null : await session.LoadAsync<HubUser>(userId, cancellationToken);
        if (user is null)
        {
            if (subjectMayBeGone)
            {
                return;
            }

            throw new ResourceNotFoundException("subject_id", $"There is no {scope.ToString().ToLowerInvariant()} '{subjectId}' on this hub.");
        }

        DomainRules.Check(() => Delegation.RequireMayLimit(Delegators.From(by, limits), user, "subject_id"));
    }
}
