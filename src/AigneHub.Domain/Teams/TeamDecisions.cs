using AigneHub.Domain.Access;
using AigneHub.Domain.Access.Events;
using AigneHub.Domain.Budgets;

namespace AigneHub.Domain.Teams;

/// <summary>
/// What may happen to a team, as functions (state, command) → events. The delegation rule reaches teams here: a hub
/// admin or owner acting with admin:write manages every team (<see cref="Delegator.ManagesHub"/>: with a key of
/// fewer scopes, only the teams they are an admin of); a team's admin manages that team's members, issues team keys to
/// themselves only and only tightens the team's budget, and touches nothing of any other team; a member manages nothing.
/// Each broken rule is a 403 (or 400) naming the field.
/// </summary>
public static class TeamDecisions
{
    public const int MaxNameLength = 100;

    public static TeamCreated Create(string teamId, string name, Delegator by, DateTimeOffset at)
    {
        if (!by.ManagesHub)
        {
            throw new AccessRuleException("team", "Only a hub admin or owner, with an admin:write key, creates teams.", isForbidden: true);
        }

        return new TeamCreated(teamId, name, by.By, at);
    }

    /// <summary>
    /// Adds <paramref name="user"/> to the team or changes their team role (a team admin may name other admins of their
    /// own team, from the hub's members: <see cref="RequireMayActOnMember"/>).
    /// </summary>
    public static TeamMemberSet SetMember(Team team, HubUser user, TeamRole role, Delegator by, DateTimeOffset at)
    {
        RequireMayManage(team, by, "team_id");
        RequireMayActOnMember(by, user);
        return new TeamMemberSet(team.Id, user.Id, role, by.By, at);
    }

    /// <summary>
    /// Takes <paramref name="user"/> out of the team and revokes the team's keys they hold (<paramref name="theirKeys"/>):
    /// a team key is a member's, and must not go on counting as the team's once they have left it.
    /// </summary>
    public static (TeamMemberRemoved Removed, IReadOnlyList<AccessKeyRevoked> Revoked) RemoveMember(
        Team team, HubUser user, IReadOnlyList<AccessKey> theirKeys, Delegator by, DateTimeOffset at)
    {
        RequireMayManage(team, by, "team_id");
        if (team.RoleOf(user.Id) is null)
        {
            throw new AccessRuleException("user_id", $"The user '{user.Id}' is not a member of the team '{team.Id}'.");
        }

        RequireMayActOnMember(by, user);
        var revoked = theirKeys
            .Where(k => !k.IsRevoked && k.UserId == user.Id && team.KeyIds.Contains(k.Id))
            .Select(k => new AccessKeyRevoked(k.Id, $"taken out of the team '{team.Id}'", by.By, at))
            .ToList();
        return (new TeamMemberRemoved(team.Id, user.Id, by.By, at), revoked);
    }

    /// <summary>
    /// Issues a team key. It belongs to one of the team's members, whose credits and budgets its calls spend, while its
    /// secret goes to whoever issued it. So a hub admin or owner acting with admin:write (trusted with other users'
    /// money: they grant and adjust credits) issues it to any member of the team, and the team's admin only to
    /// themselves: a key they held for another member would spend what that member never agreed to. Like any key it
    /// never gives more than the issuing credential holds (<see cref="AccessDecisions.CreateKey"/>).
    /// </summary>
    public static (AccessKeyCreated Key, TeamKeyAdded Added) IssueKey(
        Team team, HubUser owner, int ownersActiveKeys, NewAccessKey key, Delegator by, DateTimeOffset at)
    {
        RequireMayManage(team, by, "team_id");
        if (!by.ManagesHub && owner.Id != by.UserId)
        {
            throw new AccessRuleException(
                "user_id",
                $"A team's admin issues team keys only to themselves (user_id '{by.UserId}'): a key of the user '{owner.Id}' would spend their credits and budget while you hold its secret. A hub admin or owner acting with an admin:write key issues keys to other members.",
                isForbidden: true);
        }

        if (team.RoleOf(owner.Id) is null)
        {
            throw new AccessRuleException("user_id", $"A team key belongs to a member of the team: the user '{owner.Id}' is not one of '{team.Id}'.");
        }

        var created = AccessDecisions.CreateKey(owner, ownersActiveKeys, key, by, at);
        return (created, new TeamKeyAdded(team.Id, created.KeyId, owner.Id, by.By, at));
    }

    /// <summary>
    /// Sets the team's spend budget to <paramref name="next"/> (over <paramref name="current"/>, null when it has none),
    /// or deletes it (<paramref name="next"/> null). A team's budget limits the team, its admin included, so the team's
    /// admin only tightens it: they create one where there is none, or change one in nothing that limits less
    /// (<see cref="SpendBudget.LoosenedIn"/>). Raising, loosening or deleting it is for a hub admin or owner acting with
    /// admin:write, as every other budget is.
    /// </summary>
    public static void RequireMayChangeBudget(Team team, SpendBudget? current, SpendBudget? next, Delegator by)
    {
        RequireMayManage(team, by, "subject_id");
        if (by.ManagesHub || current is null)
        {
            return;
        }

        if (next is null)
        {
            throw new AccessRuleException(
                "budget_id",
                $"The budget of the team '{team.Id}' limits its admins too: only a hub admin or owner, acting with an admin:write key, deletes it.",
                isForbidden: true);
        }

        if (current.LoosenedIn(next) is { } field)
        {
            throw new AccessRuleException(
                field,
                $"The budget of the team '{team.Id}' limits its admins too: its admin may lower it but not raise or loosen it ({field}). Only a hub admin or owner, acting with an admin:write key, does that.",
                isForbidden: true);
        }
    }

    /// <summary>
    /// A team's admin (without a hub admin's admin:write) adds, changes and removes the team's members who are hub
    /// members, and themselves; never a hub admin or owner, who are above them (<see cref="Delegation.RequireMayActOn"/>).
    /// </summary>
    private static void RequireMayActOnMember(Delegator by, HubUser user)
    {
        if (!by.ManagesHub)
        {
            Delegation.RequireMayActOn(by, user, "user_id", asTeamAdmin: true);
        }
    }

    /// <summary>Whether <paramref name="by"/> manages <paramref name="team"/>: a hub admin or owner with admin:write, or this team's admin.</summary>
    public static bool MayManage(Team team, Delegator by) => by.ManagesHub || team.RoleOf(by.UserId) == TeamRole.Admin;

    public static void RequireMayManage(Team team, Delegator by, string field)
    {
        if (!MayManage(team, by))
        {
            throw new AccessRuleException(
                field,
                $"Only an admin of the team '{team.Id}', or a hub admin acting with an admin:write key, manages it.",
                isForbidden: true);
        }
    }
}
