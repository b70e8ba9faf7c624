using AigneHub.Domain.Access;
using AigneHub.Domain.Access.Events;
using AigneHub.Domain.Budgets;
using AigneHub.Domain.Teams;

namespace AigneHub.UnitTests.Domain.Teams;

public sealed class TeamDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_team_admin_manages_their_team_and_no_other()
    {
        var red = TeamOf("red", ("alice", TeamRole.Admin), ("bob", TeamRole.Member));
        var blue = TeamOf("blue", ("carol", TeamRole.Admin));
        var alice = By("alice", UserRole.Member);

        Assert.Equal("bob", TeamDecisions.SetMember(red, User("bob"), TeamRole.Admin, alice, Now).UserId);
        var refused = Assert.Throws<AccessRuleException>(() => TeamDecisions.SetMember(blue, User("bob"), TeamRole.Member, alice, Now));
        Assert.True(refused.IsForbidden);
        Assert.Throws<AccessRuleException>(() => TeamDecisions.RemoveMember(blue, User("carol"), [], alice, Now));
    }

    [Fact]
    public void A_team_admin_acts_on_the_teams_hub_members_never_on_a_hub_admin_or_owner()
    {
        var red = TeamOf("red", ("alice", TeamRole.Admin), ("olga", TeamRole.Admin));
        var alice = By("alice", UserRole.Member);
        var olga = User("olga", UserRole.Admin);

        Assert.True(Assert.Throws<AccessRuleException>(() => TeamDecisions.SetMember(red, olga, TeamRole.Member, alice, Now)).IsForbidden);
        Assert.True(Assert.Throws<AccessRuleException>(() => TeamDecisions.RemoveMember(red, olga, [], alice, Now)).IsForbidden);
        Assert.True(Assert.Throws<AccessRuleException>(() => TeamDecisions.SetMember(red, User("root", UserRole.Owner), TeamRole.Member, alice, Now)).IsForbidden);
        Assert.Equal("alice", TeamDecisions.RemoveMember(red, User("alice"), [], alice, Now).Removed.UserId);
        Assert.Equal("olga", TeamDecisions.RemoveMember(red, olga, [], By("root", UserRole.Owner, scopes: [KeyScopes.AdminWrite]), Now).Removed.UserId);
    }

    [Fact]
    public void A_plain_member_manages_nothing_and_only_hub_admins_create_teams()
    {
        var red = TeamOf("red", ("alice", TeamRole.Admin), ("bob", TeamRole.Member));

        Assert.Throws<AccessRuleException>(() => TeamDecisions.SetMember(red, User("dave"), TeamRole.Member, By("bob", UserRole.Member), Now));
        Assert.Throws<AccessRuleException>(() => TeamDecisions.Create("t", "t", By("alice", UserRole.Member), Now));
        Assert.Equal("t", TeamDecisions.Create("t", "t", By("root", UserRole.Admin, scopes: [KeyScopes.AdminWrite]), Now).TeamId);
    }

    [Fact]
    public void A_hub_admin_manages_every_team_only_with_an_admin_write_credential()
    {
        var red = TeamOf("red", ("bob", TeamRole.Member));
        var blue = TeamOf("blue", ("olga", TeamRole.Admin));
        var withWrite = By("olga", UserRole.Admin, scopes: [KeyScopes.Inference, KeyScopes.AdminWrite]);
        var withInference = By("olga", UserRole.Admin);
        var ownerWithRead = By("root", UserRole.Owner, scopes: [KeyScopes.AdminRead]);

        Assert.Equal("dave", TeamDecisions.SetMember(red, User("dave"), TeamRole.Member, withWrite, Now).UserId);
        Assert.True(Assert.Throws<AccessRuleException>(() => TeamDecisions.SetMember(red, User("dave"), TeamRole.Admin, withInference, Now)).IsForbidden);
        Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("bob"), 0, Key([]), withInference, Now));
        Assert.Throws<AccessRuleException>(() => TeamDecisions.SetMember(red, User("dave"), TeamRole.Member, ownerWithRead, Now));
        Assert.Throws<AccessRuleException>(() => TeamDecisions.Create("t", "t", withInference, Now));
        // As the admin of a team, the same inference key manages that team.
        Assert.Equal("dave", TeamDecisions.SetMember(blue, User("dave"), TeamRole.Member, withInference, Now).UserId);
    }

    [Fact]
    public void A_team_admin_issues_team_keys_only_to_themselves_never_above_their_own_key()
    {
        // A key is charged to its owner while its secret goes to whoever issued it: a team admin who could issue one to
        // another member would spend that member's credits and budget.
        var red = TeamOf("red", ("alice", TeamRole.Admin), ("bob", TeamRole.Member));
        var alice = By("alice", UserRole.Member, models: ["demo/*"]);

        var (key, added) = TeamDecisions.IssueKey(red, User("alice"), 0, Key([]), alice, Now);
        Assert.Equal(("alice", "red", key.KeyId), (key.UserId, added.TeamId, added.KeyId));
        Assert.Equal(["demo/*"], key.Models);
        var forBob = Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("bob"), 0, Key([]), alice, Now));
        Assert.True(forBob.IsForbidden);
        Assert.Equal("user_id", forBob.Field);
        Assert.True(Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("carol"), 0, Key([]), alice, Now)).IsForbidden);
        Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("alice"), 0, Key(["openai/*"]), alice, Now));
    }

    [Fact]
    public void A_hub_admin_with_admin_write_issues_team_keys_to_any_member_of_the_team_and_a_plain_member_to_nobody()
    {
        var red = TeamOf("red", ("alice", TeamRole.Admin), ("bob", TeamRole.Member));
        var olga = By("olga", UserRole.Admin, scopes: [KeyScopes.Inference, KeyScopes.AdminWrite]);

        Assert.Equal("bob", TeamDecisions.IssueKey(red, User("bob"), 0, Key([]), olga, Now).Key.UserId);
        Assert.Equal("alice", TeamDecisions.IssueKey(red, User("alice"), 0, Key([]), olga, Now).Key.UserId);
        Assert.False(Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("carol"), 0, Key([]), olga, Now)).IsForbidden);
        Assert.True(Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("bob"), 0, Key([]), By("bob", UserRole.Member), Now)).IsForbidden);
    }

    [Fact]
    public void A_team_admin_creates_or_tightens_their_teams_budget_and_never_loosens_or_deletes_it()
    {
        var red = TeamOf("red", ("alice", TeamRole.Admin), ("bob", TeamRole.Member));
        var alice = By("alice", UserRole.Member);
        var current = Budget(10m, 8m, BudgetPeriod.Month);

        TeamDecisions.RequireMayChangeBudget(red, null, Budget(50m, null, BudgetPeriod.Day), alice);
        TeamDecisions.RequireMayChangeBudget(red, current, Budget(5m, 4m, BudgetPeriod.Month), alice);
        TeamDecisions.RequireMayChangeBudget(red, current, current, alice);
        // Under the old soft threshold: the new limit stops spend before it, so no alert is lost.
        TeamDecisions.RequireMayChangeBudget(red, current, Budget(7m, null, BudgetPeriod.Month), alice);

        Assert.Equal("limit_usd", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, current, Budget(11m, 8m, BudgetPeriod.Month), alice)));
        Assert.Equal("soft_limit_usd", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, current, Budget(10m, 9m, BudgetPeriod.Month), alice)));
        Assert.Equal("soft_limit_usd", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, current, Budget(10m, null, BudgetPeriod.Month), alice)));
        // A new period counts its window from zero, and a shorter one starts again more often: either limits less.
        Assert.Equal("period", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, current, Budget(10m, 8m, BudgetPeriod.Day), alice)));
        Assert.Equal("period", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, current, Budget(10m, 8m, BudgetPeriod.None), alice)));
        Assert.Equal("budget_id", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, current, null, alice)));
        Assert.Equal("subject_id", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, null, Budget(1m, null, BudgetPeriod.Day), By("bob", UserRole.Member))));
    }

    [Fact]
    public void A_hub_admin_with_admin_write_raises_loosens_and_deletes_a_teams_budget()
    {
        var red = TeamOf("red", ("alice", TeamRole.Admin));
        var current = Budget(10m, 8m, BudgetPeriod.Month);
        var olga = By("olga", UserRole.Admin, scopes: [KeyScopes.AdminWrite]);

        TeamDecisions.RequireMayChangeBudget(red, current, Budget(100m, null, BudgetPeriod.Day), olga);
        TeamDecisions.RequireMayChangeBudget(red, current, null, olga);
        // The same hub admin, as the team's admin with a key without admin:write, only tightens it.
        var asTeamAdmin = By("olga", UserRole.Admin);
        Assert.Equal("subject_id", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, current, Budget(100m, 8m, BudgetPeriod.Month), asTeamAdmin)));
        red.Apply(new TeamMemberSet("red", "olga", TeamRole.Admin, "root", Now));
        Assert.Equal("limit_usd", Refusal(() => TeamDecisions.RequireMayChangeBudget(red, current, Budget(100m, 8m, BudgetPeriod.Month), asTeamAdmin)));
    }

    /// <summary>The field a forbidden change is refused on.</summary>
    private static string Refusal(Action change)
    {
        var refused = Assert.Throws<AccessRuleException>(change);
        Assert.True(refused.IsForbidden, refused.Message);
        return refused.Field;
    }

    private static SpendBudget Budget(decimal limit, decimal? soft, BudgetPeriod period) => new()
    {
        Id = SpendBudget.IdOf(BudgetScope.Team, "red"),
        Scope = BudgetScope.Team,
        SubjectId = "red",
        LimitUsd = limit,
        SoftLimitUsd = soft,
        Period = period,
        UpdatedAt = Now,
        UpdatedBy = "root",
    };

    private static Team TeamOf(string id, params (string User, TeamRole Role)[] members)
    {
        var team = Team.Create(new TeamCreated(id, id, "root", Now));
        foreach (var (user, role) in members)
        {
            team.Apply(new TeamMemberSet(id, user, role, "root", Now));
        }

        return team;
    }

    private static HubUser User(string id, UserRole role = UserRole.Member) => HubUser.Create(new UserCreated(id, id, null, role, null, "root", Now));

    private static Delegator By(string user, UserRole role, IReadOnlyList<string>? models = null, IReadOnlyCollection<string>? scopes = null) =>
        new(role, user, new KeyGrant(user, null, scopes ?? [KeyScopes.Inference], models ?? [], [], null, KeyLimits.None), KeyLimits.None);

    private static NewAccessKey Key(IReadOnlyList<string> models) =>
        new("k1", null, "key", [KeyScopes.Inference], models, [], null, KeyLimits.None, "hash");
}
