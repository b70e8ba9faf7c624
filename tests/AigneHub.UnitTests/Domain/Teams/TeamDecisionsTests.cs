using AigneHub.Domain.Access;
using AigneHub.Domain.Access.Events;
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
    public void A_team_admin_issues_keys_to_their_teams_members_never_to_outsiders_nor_above_their_own_key()
    {
        var red = TeamOf("red", ("alice", TeamRole.Admin), ("bob", TeamRole.Member));
        var alice = By("alice", UserRole.Member, models: ["demo/*"]);

        var (key, added) = TeamDecisions.IssueKey(red, User("bob"), 0, Key([]), alice, Now);
        Assert.Equal(("bob", "red", key.KeyId), (key.UserId, added.TeamId, added.KeyId));
        Assert.Equal(["demo/*"], key.Models);
        Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("carol"), 0, Key([]), alice, Now));
        Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("bob"), 0, Key(["openai/*"]), alice, Now));
        Assert.Throws<AccessRuleException>(() => TeamDecisions.IssueKey(red, User("bob"), 0, Key([]), By("bob", UserRole.Member), Now));
    }

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
