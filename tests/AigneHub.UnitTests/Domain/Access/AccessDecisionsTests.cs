using AigneHub.Domain.Access;
using AigneHub.Domain.Access.Events;

namespace AigneHub.UnitTests.Domain.Access;

public sealed class AccessDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Admin_cannot_create_an_owner()
    {
        var ex = Assert.Throws<AccessRuleException>(() => AccessDecisions.CreateUser(new NewUser("u1", "U", null, UserRole.Owner, null), UserRole.Admin, "admin", Now));

        Assert.True(ex.IsForbidden);
    }

    [Fact]
    public void Owner_creates_an_owner_and_the_hub_creates_anyone()
    {
        Assert.Equal(UserRole.Owner, AccessDecisions.CreateUser(new NewUser("u1", "U", null, UserRole.Owner, null), UserRole.Owner, "owner", Now).Role);
        Assert.Equal(UserRole.Owner, AccessDecisions.CreateUser(new NewUser("u2", "U", null, UserRole.Owner, null), null, "system", Now).Role);
    }

    [Fact]
    public void Member_key_is_refused_admin_scopes()
    {
        var member = User(UserRole.Member);

        var ex = Assert.Throws<AccessRuleException>(() => CreateKey(member, [KeyScopes.Inference, KeyScopes.AdminRead]));

        Assert.True(ex.IsForbidden);
        Assert.Contains("admin:read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_expiring_in_the_past_is_refused() =>
        Assert.Equal("expires_at", Assert.Throws<AccessRuleException>(() => CreateKey(User(UserRole.Admin), [KeyScopes.Inference], expiresAt: Now.AddMinutes(-1))).Field);

    [Fact]
    public void Key_carries_its_hash_and_limits_but_no_secret()
    {
        var created = CreateKey(User(UserRole.Admin), [KeyScopes.Inference, KeyScopes.Inference, KeyScopes.AdminRead], models: ["openai/*"]);

        Assert.Equal([KeyScopes.Inference, KeyScopes.AdminRead], created.Scopes);
        Assert.Equal(["openai/*"], created.Models);
        Assert.Equal(AccessKeyToken.Hash("s3cret-value"), created.SecretHash);
    }

    [Fact]
    public void Revoking_twice_changes_nothing_the_second_time()
    {
        var member = User(UserRole.Member);
        var key = AccessKey.Create(CreateKey(member, [KeyScopes.Inference]));
        var revoked = AccessDecisions.Revoke(key, member, "leaked", Owner, Now);
        key.Apply((AccessKeyRevoked)revoked.Single());

        Assert.Empty(AccessDecisions.Revoke(key, member, "again", Owner, Now));
        Assert.True(key.IsRevoked);
    }

    [Fact]
    public void Revoked_key_cannot_be_rotated()
    {
        var member = User(UserRole.Member);
        var key = AccessKey.Create(CreateKey(member, [KeyScopes.Inference]));
        key.Apply(new AccessKeyRevoked(key.Id, null, "owner", Now));

        Assert.True(Assert.Throws<AccessRuleException>(() => AccessDecisions.Rotate(key, member, "hash", Owner, Now)).IsConflict);
    }

    [Fact]
    public void Nobody_changes_their_own_role()
    {
        var owner = User(UserRole.Owner);

        Assert.True(Assert.Throws<AccessRuleException>(() => AccessDecisions.ChangeRole(owner, UserRole.Member, ActingAs(owner), Now)).IsForbidden);
    }

    [Fact]
    public void Admin_cannot_demote_an_owner()
    {
        var owner = User(UserRole.Owner);

        Assert.True(Assert.Throws<AccessRuleException>(() => AccessDecisions.ChangeRole(owner, UserRole.Member, ActingAs(HubUser.Create(new UserCreated("someone-else", "U", null, UserRole.Admin, null, "system", Now))), Now)).IsForbidden);
    }

    [Fact]
    public void Disabling_keeps_the_reason_and_enabling_clears_it_each_once()
    {
        var member = User(UserRole.Member);

        var disabled = (UserDisabled)AccessDecisions.Disable(member, "left", Owner, Now).Single();
        member.Apply(disabled);

        Assert.True(member.IsDisabled);
        Assert.Equal(("left", Now), (member.DisabledReason, member.DisabledAt!.Value));
        Assert.Empty(AccessDecisions.Disable(member, "again", Owner, Now));
        member.Apply((UserEnabled)AccessDecisions.Enable(member, Owner, Now.AddHours(1)).Single());
        Assert.False(member.IsDisabled);
        Assert.Null(member.DisabledReason);
        Assert.Empty(AccessDecisions.Enable(member, Owner, Now));
    }

    [Fact]
    public void Nobody_disables_or_enables_themselves_not_even_an_owner()
    {
        var owner = User(UserRole.Owner);

        var disabling = Assert.Throws<AccessRuleException>(() => AccessDecisions.Disable(owner, null, ActingAs(owner), Now));
        owner.Apply(new UserDisabled(owner.Id, null, "other-owner", Now));
        // A disabled owner's credential still in flight (or on an instance that has not seen the change yet).
        var enabling = Assert.Throws<AccessRuleException>(() => AccessDecisions.Enable(owner, ActingAs(owner), Now));

        Assert.All([disabling, enabling], ex => Assert.True(ex.IsForbidden && ex.Field == "user_id", ex.Message));
    }

    [Theory]
    [InlineData(UserRole.Admin)]
    [InlineData(UserRole.Owner)]
    public void An_admin_disables_and_enables_members_only(UserRole target)
    {
        var admin = ActingAs(HubUser.Create(new UserCreated("some-admin", "A", null, UserRole.Admin, null, "system", Now)));
        var disabledTarget = User(target);
        disabledTarget.Apply(new UserDisabled(disabledTarget.Id, null, "owner", Now));
        var disabledMember = User(UserRole.Member);
        disabledMember.Apply(new UserDisabled(disabledMember.Id, null, "owner", Now));

        Assert.True(Assert.Throws<AccessRuleException>(() => AccessDecisions.Disable(User(target), null, admin, Now)).IsForbidden);
        Assert.True(Assert.Throws<AccessRuleException>(() => AccessDecisions.Enable(disabledTarget, admin, Now)).IsForbidden);
        Assert.Single(AccessDecisions.Disable(User(UserRole.Member), null, admin, Now));
        Assert.Single(AccessDecisions.Enable(disabledMember, admin, Now));
        Assert.Single(AccessDecisions.Disable(User(target), null, Owner, Now));
        Assert.Single(AccessDecisions.Enable(disabledTarget, Owner, Now));
    }

    [Fact]
    public void A_disabled_user_is_given_no_new_key()
    {
        var member = User(UserRole.Member);
        member.Apply(new UserDisabled(member.Id, null, "owner", Now));

        var ex = Assert.Throws<AccessRuleException>(() => CreateKey(member, [KeyScopes.Inference]));

        Assert.True(ex.IsConflict);
        Assert.Contains("disabled", ex.Message, StringComparison.Ordinal);
    }

    private static readonly Delegator Owner = ActingAs(HubUser.Create(new UserCreated("owner", "Owner", null, UserRole.Owner, null, "system", Now)));

    /// <summary>The user with a key that holds everything: only the role rule can stop them.</summary>
    private static Delegator ActingAs(HubUser user) => new(user.Role, user.Id, new KeyGrant(user.Id, null, KeyScopes.All, [], [], null, KeyLimits.None), KeyLimits.None);

    private static HubUser User(UserRole role) => HubUser.Create(new UserCreated($"usr-{role}", "User", null, role, null, "system", Now));

    private static AccessKeyCreated CreateKey(HubUser owner, string[] scopes, string[]? models = null, DateTimeOffset? expiresAt = null) =>
        AccessDecisions.CreateKey(owner, 0, new NewAccessKey("0123456789abcdef", null, "key", scopes, models ?? [], [], expiresAt, KeyLimits.None, AccessKeyToken.Hash("s3cret-value")), Owner, Now);
}
