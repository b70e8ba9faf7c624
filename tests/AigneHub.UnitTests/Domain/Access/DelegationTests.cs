using AigneHub.Domain.Access;
using AigneHub.Domain.Access.Events;

namespace AigneHub.UnitTests.Domain.Access;

/// <summary>
/// The delegation rule as a table: a key never creates or rotates into a key with more than it holds (scopes, model
/// allow-list, expiry, limits, address ranges, app binding), and a user acts only on users below their own role.
/// Asking for more is refused naming the field; leaving a dimension out inherits the asking key's.
/// </summary>
public sealed class DelegationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly HubUser Owner = User("own", UserRole.Owner);
    private static readonly HubUser OtherOwner = User("own2", UserRole.Owner);
    private static readonly HubUser Admin = User("adm", UserRole.Admin, "app-a", "app-b");
    private static readonly HubUser OtherAdmin = User("adm2", UserRole.Admin);
    private static readonly HubUser Member = User("mem", UserRole.Member, "app-a");
    private static readonly HubUser OtherMember = User("mem2", UserRole.Member);

    /// <summary>Configured RateLimits:Key in the rows that say "default": what a key without its own limit is held to.</summary>
    private static readonly KeyLimits Sixty = new(60, 6_000);

    private sealed record Row(HubUser Creator, Func<KeyGrant, KeyGrant> CreatorKey, HubUser Target, Func<NewAccessKey, NewAccessKey> Ask, KeyLimits? Defaults = null);

    private static readonly Dictionary<string, Row> Refused = new()
    {
        // Whom: only an owner touches an owner; an admin acts on members and on themselves; a member on themselves.
        ["user_id: admin creates a key for the owner"] = new(Admin, k => k, Owner, a => a),
        ["user_id: admin creates a key for another admin"] = new(Admin, k => k, OtherAdmin, a => a),
        ["user_id: member creates a key for another member"] = new(Member, k => k, OtherMember, a => a),

        // Scopes ⊆ the asking key's.
        ["scopes: inference-only admin key asks admin:write"] = new(Admin, k => k with { Scopes = [KeyScopes.Inference] }, Admin, a => a with { Scopes = [KeyScopes.Inference, KeyScopes.AdminWrite] }),
        ["scopes: admin:read key asks admin:write"] = new(Admin, k => k with { Scopes = [KeyScopes.AdminRead] }, Admin, a => a with { Scopes = [KeyScopes.AdminWrite] }),
        ["scopes: admin:read key asks inference it lacks"] = new(Admin, k => k with { Scopes = [KeyScopes.AdminRead] }, Member, a => a with { Scopes = [KeyScopes.Inference] }),

        // Model allow-list: every asked pattern covered by one of the asking key's.
        ["models: demo/* key asks openai/gpt-4o"] = new(Member, k => k with { Models = ["demo/*"] }, Member, a => a with { Models = ["openai/gpt-4o"] }),
        ["models: demo/echo key asks demo/*"] = new(Member, k => k with { Models = ["demo/echo"] }, Member, a => a with { Models = ["demo/*"] }),
        ["models: demo/echo key asks *"] = new(Member, k => k with { Models = ["demo/echo"] }, Member, a => a with { Models = ["*"] }),

        // Expiry no later.
        ["expires_at: key expiring in 1 h asks 2 h"] = new(Member, k => k with { ExpiresAt = Now.AddHours(1) }, Member, a => a with { ExpiresAt = Now.AddHours(2) }),

        // Limits no higher than what the asking key is held to (its own, else the default).
        ["requests_per_minute: key limited to 10 asks 100"] = new(Admin, k => k with { Limits = new(10, null) }, Member, a => a with { Limits = new(100, null) }),
        ["requests_per_minute: key on the default 60 asks 100"] = new(Admin, k => k, Member, a => a with { Limits = new(100, null) }, Sixty),
        // A key with limits of its own creates no key at all: each would get a rate window of its own.
        ["requests_per_minute: key limited to 10 asks 5"] = new(Member, k => k with { Scopes = [KeyScopes.Inference], Limits = new(10, null) }, Member, a => a with { Limits = new(5, null) }),
        ["requests_per_minute: key limited to 10 asks nothing"] = new(Admin, k => k with { Limits = new(10, null) }, Member, a => a, Sixty),
        ["tokens_per_minute: key limited to 1000 tokens asks nothing"] = new(Admin, k => k with { Limits = new(null, 1_000) }, Admin, a => a),
        ["tokens_per_minute: key limited to 1000 asks 5000"] = new(Admin, k => k with { Limits = new(null, 1_000) }, Admin, a => a with { Limits = new(null, 5_000) }),

        // Address ranges inside the asking key's.
        ["allowed_ips: 10.0.0.0/8 key asks 192.168.0.0/16"] = new(Member, k => k with { AllowedIps = ["10.0.0.0/8"] }, Member, a => a with { AllowedIps = ["192.168.0.0/16"] }),
        ["allowed_ips: 10.1.0.0/16 key asks the wider 10.0.0.0/8"] = new(Member, k => k with { AllowedIps = ["10.1.0.0/16"] }, Member, a => a with { AllowedIps = ["10.0.0.0/8"] }),
        ["allowed_ips: IPv4 key asks an IPv6 range"] = new(Member, k => k with { AllowedIps = ["10.0.0.0/8"] }, Member, a => a with { AllowedIps = ["2001:db8::/32"] }),

        // App binding: a key bound to an app creates keys of that app (of its own user) only.
        ["app_id: key of app-a asks app-b"] = new(Admin, k => k with { AppId = "app-a" }, Admin, a => a with { AppId = "app-b" }),
        ["app_id: key of app-a creates a key for another user"] = new(Admin, k => k with { AppId = "app-a" }, Member, a => a),
    };

    private static readonly Dictionary<string, (Row Row, Func<AccessKeyCreated, object?> Observed, object? Expected)> Granted = new()
    {
        ["owner creates a key for another owner"] = (new(Owner, k => k, OtherOwner, a => a with { Scopes = [KeyScopes.AdminWrite] }), e => e.UserId, "own2"),
        ["admin creates a key for a member"] = (new(Admin, k => k, Member, a => a), e => e.UserId, "mem"),
        ["admin creates a key for themselves"] = (new(Admin, k => k, Admin, a => a with { Scopes = [KeyScopes.AdminRead] }), e => string.Join(",", e.Scopes), "admin:read"),
        ["member creates a key for themselves"] = (new(Member, k => k with { Scopes = [KeyScopes.Inference] }, Member, a => a), e => e.UserId, "mem"),
        ["scopes: a subset is kept as asked"] = (new(Admin, k => k with { Scopes = [KeyScopes.Inference, KeyScopes.AdminRead] }, Admin, a => a with { Scopes = [KeyScopes.AdminRead] }), e => string.Join(",", e.Scopes), "admin:read"),
        ["models: an unrestricted key passes the asked list through"] = (new(Member, k => k, Member, a => a with { Models = ["openai/*"] }), e => string.Join(",", e.Models), "openai/*"),
        ["models: a restricted key asking no list gives its own"] = (new(Member, k => k with { Models = ["demo/*", "openai/gpt-4o"] }, Member, a => a), e => string.Join(",", e.Models), "demo/*,openai/gpt-4o"),
        ["models: a narrower pattern inside the list is kept"] = (new(Member, k => k with { Models = ["openai/*"] }, Member, a => a with { Models = ["OpenAI/gpt-4o*"] }), e => string.Join(",", e.Models), "OpenAI/gpt-4o*"),
        ["expires_at: none asked inherits the key's expiry"] = (new(Member, k => k with { ExpiresAt = Now.AddHours(1) }, Member, a => a), e => e.ExpiresAt, Now.AddHours(1)),
        ["expires_at: an earlier expiry is kept"] = (new(Member, k => k with { ExpiresAt = Now.AddHours(1) }, Member, a => a with { ExpiresAt = Now.AddMinutes(5) }), e => e.ExpiresAt, Now.AddMinutes(5)),
        ["expires_at: a key without expiry creates one with or without"] = (new(Member, k => k, Member, a => a), e => e.ExpiresAt, null),
        ["requests_per_minute: a key on the default creates keys on the default"] = (new(Admin, k => k, Member, a => a, Sixty), e => e.RequestsPerMinute, null),
        ["requests_per_minute: a key on the default gives a lower one"] = (new(Admin, k => k, Member, a => a with { Limits = new(30, null) }, Sixty), e => e.RequestsPerMinute, 30),
        ["requests_per_minute: no limit anywhere gives any"] = (new(Admin, k => k, Member, a => a with { Limits = new(100_000, null) }), e => e.RequestsPerMinute, 100_000),
        ["allowed_ips: none asked inherits the key's ranges"] = (new(Member, k => k with { AllowedIps = ["10.0.0.0/8"] }, Member, a => a), e => string.Join(",", e.AllowedIps), "10.0.0.0/8"),
        ["allowed_ips: a range inside is kept"] = (new(Member, k => k with { AllowedIps = ["10.0.0.0/8", "2001:db8::/32"] }, Member, a => a with { AllowedIps = ["10.1.2.3/32", "2001:db8:1::/48"] }), e => string.Join(",", e.AllowedIps), "10.1.2.3/32,2001:db8:1::/48"),
        ["app_id: none asked inherits the key's app"] = (new(Admin, k => k with { AppId = "app-a" }, Admin, a => a), e => e.AppId, "app-a"),
        ["app_id: the same app is kept"] = (new(Admin, k => k with { AppId = "app-a" }, Admin, a => a with { AppId = "app-a" }), e => e.AppId, "app-a"),
    };

    public static TheoryData<string> RefusedCases() => [.. Refused.Keys];

    public static TheoryData<string> GrantedCases() => [.. Granted.Keys];

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public void New_key_asking_beyond_what_creates_it_is_refused_naming_the_field(string name)
    {
        var row = Refused[name];

        var refusal = Assert.Throws<AccessRuleException>(() => Create(row));

        Assert.True(refusal.IsForbidden, refusal.Message);
        Assert.Equal(name[..name.IndexOf(':', StringComparison.Ordinal)], refusal.Field);
    }

    [Theory]
    [MemberData(nameof(GrantedCases))]
    public void New_key_gets_what_it_asks_within_the_creator_and_inherits_what_it_leaves_out(string name)
    {
        var (row, observed, expected) = Granted[name];

        var created = Create(row);

        Assert.Equal(expected, observed(created));
    }

    public static TheoryData<string, string> RotationCases() => new()
    {
        { "admin rotates the owner's key", "key_id" },
        { "admin rotates another admin's key", "key_id" },
        { "inference-only key rotates its user's admin:write key", "scopes" },
        { "demo/* key rotates an unrestricted key", "models" },
        { "expiring key rotates a key that never expires", "expires_at" },
        { "key limited to 10 rotates a key on the default 60", "requests_per_minute" },
        { "10.0.0.0/8 key rotates a key usable anywhere", "allowed_ips" },
        { "key of app-a rotates a key of app-b", "app_id" },
    };

    [Theory]
    [MemberData(nameof(RotationCases))]
    public void Rotation_is_refused_when_the_rotated_key_gives_more_than_the_rotating_one(string name, string field)
    {
        var (creator, creatorKey, keyOwner, key) = name switch
        {
            "admin rotates the owner's key" => (Admin, Full(Admin), Owner, Key(Owner)),
            "admin rotates another admin's key" => (Admin, Full(Admin), OtherAdmin, Key(OtherAdmin)),
            "inference-only key rotates its user's admin:write key" => (Admin, Full(Admin) with { Scopes = [KeyScopes.Inference] }, Admin, Key(Admin, scopes: [KeyScopes.AdminWrite])),
            "demo/* key rotates an unrestricted key" => (Member, Full(Member) with { Models = ["demo/*"] }, Member, Key(Member)),
            "expiring key rotates a key that never expires" => (Member, Full(Member) with { ExpiresAt = Now.AddDays(1) }, Member, Key(Member)),
            "key limited to 10 rotates a key on the default 60" => (Member, Full(Member) with { Limits = new(10, null) }, Member, Key(Member)),
            "10.0.0.0/8 key rotates a key usable anywhere" => (Member, Full(Member) with { AllowedIps = ["10.0.0.0/8"] }, Member, Key(Member)),
            "key of app-a rotates a key of app-b" => (Admin, Full(Admin) with { AppId = "app-a" }, Admin, Key(Admin, appId: "app-b")),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        var refusal = Assert.Throws<AccessRuleException>(() => AccessDecisions.Rotate(key, keyOwner, "new-hash", By(creator, creatorKey, Sixty), Now));

        Assert.True(refusal.IsForbidden, refusal.Message);
        Assert.Equal(field, refusal.Field);
    }

    [Fact]
    public void Key_rotates_itself_and_an_owner_rotates_anyone_s()
    {
        var own = Key(Member, models: ["demo/*"]);
        var member = By(Member, KeyGrant.Of(own), KeyLimits.None);

        var rotated = AccessDecisions.Rotate(own, Member, "new-hash", member, Now);
        var byOwner = AccessDecisions.Rotate(Key(OtherOwner, scopes: [KeyScopes.AdminWrite]), OtherOwner, "other-hash", By(Owner, Full(Owner), KeyLimits.None), Now);

        Assert.Equal(("new-hash", "mem (key)"), (rotated.SecretHash, rotated.By));
        Assert.Equal("other-hash", byOwner.SecretHash);
    }

    [Theory]
    [InlineData("own", false)]
    [InlineData("adm2", false)]
    [InlineData("mem", true)]
    [InlineData("adm", true)]
    public void Admin_revokes_only_members_keys_and_their_own(string keyOwnerId, bool allowed)
    {
        var keyOwner = new[] { Owner, OtherAdmin, Member, Admin }.Single(u => u.Id == keyOwnerId);
        var admin = By(Admin, Full(Admin), KeyLimits.None);

        if (allowed)
        {
            Assert.IsType<AccessKeyRevoked>(Assert.Single(AccessDecisions.Revoke(Key(keyOwner), keyOwner, null, admin, Now)));
        }
        else
        {
            Assert.Equal("key_id", Assert.Throws<AccessRuleException>(() => AccessDecisions.Revoke(Key(keyOwner), keyOwner, null, admin, Now)).Field);
        }
    }

    [Theory]
    [InlineData("adm2", UserRole.Member, "user_id")]
    [InlineData("mem", UserRole.Owner, "role")]
    [InlineData("own", UserRole.Admin, "role")]
    public void Admin_cannot_change_an_owner_s_or_another_admin_s_role_nor_make_an_owner(string userId, UserRole to, string field)
    {
        var user = new[] { Owner, OtherAdmin, Member }.Single(u => u.Id == userId);

        var refusal = Assert.Throws<AccessRuleException>(() => AccessDecisions.ChangeRole(user, to, By(Admin, Full(Admin), KeyLimits.None), Now));

        Assert.True(refusal.IsForbidden);
        Assert.Equal(field, refusal.Field);
    }

    [Fact]
    public void Admin_promotes_a_member_and_an_owner_demotes_an_admin()
    {
        var promoted = AccessDecisions.ChangeRole(Member, UserRole.Admin, By(Admin, Full(Admin), KeyLimits.None), Now);
        var demoted = AccessDecisions.ChangeRole(OtherAdmin, UserRole.Member, By(Owner, Full(Owner), KeyLimits.None), Now);

        Assert.Equal(UserRole.Admin, Assert.IsType<UserRoleChanged>(Assert.Single(promoted)).To);
        Assert.Equal(UserRole.Member, Assert.IsType<UserRoleChanged>(Assert.Single(demoted)).To);
    }

    [Fact]
    public void Admin_cannot_register_an_app_for_the_owner()
    {
        var refusal = Assert.Throws<AccessRuleException>(() => AccessDecisions.RegisterApp(Owner, "app-x", "X", By(Admin, Full(Admin), KeyLimits.None), Now));

        Assert.Equal(("user_id", true), (refusal.Field, refusal.IsForbidden));
        Assert.Equal("An admin acts only on members and on themselves; the user 'own' is an owner.", refusal.Message);
    }

    [Fact]
    public void A_budget_limits_only_users_below_the_one_who_sets_it_and_an_owner_limits_anyone()
    {
        void Limit(HubUser by, HubUser target) => Delegation.RequireMayLimit(By(by, Full(by), KeyLimits.None), target, "subject_id");

        Limit(Owner, Admin);
        Limit(Owner, Owner);
        Limit(Admin, Member);
        foreach (var (by, target) in new[] { (Admin, Admin), (Admin, OtherAdmin), (Admin, Owner), (Member, Member), (Member, OtherMember) })
        {
            var refused = Assert.Throws<AccessRuleException>(() => Limit(by, target));
            Assert.True(refused.IsForbidden);
            Assert.Equal("subject_id", refused.Field);
        }
    }

    [Fact]
    public void Only_an_owner_limits_everyone_and_a_key_held_to_a_budget_hands_out_no_other_key()
    {
        Delegation.RequireMayLimitEveryone(By(Owner, Full(Owner), KeyLimits.None), "scope");
        foreach (var by in new[] { Admin, Member })
        {
            var refused = Assert.Throws<AccessRuleException>(() => Delegation.RequireMayLimitEveryone(By(by, Full(by), KeyLimits.None), "scope"));
            Assert.Equal(("scope", true), (refused.Field, refused.IsForbidden));
        }

        Delegation.RequireUnbudgeted("k1", []);
        var bound = Assert.Throws<AccessRuleException>(() => Delegation.RequireUnbudgeted("k1", ["key:k1", "team:red"]));
        Assert.Equal(("budget", true), (bound.Field, bound.IsForbidden));
        Assert.Contains("team:red", bound.Message);
    }

    private static AccessKeyCreated Create(Row row) =>
        AccessDecisions.CreateKey(
            row.Target,
            0,
            row.Ask(new NewAccessKey("0123456789abcdef", null, "k", [KeyScopes.Inference], [], [], null, KeyLimits.None, "hash")),
            By(row.Creator, row.CreatorKey(Full(row.Creator)), row.Defaults ?? KeyLimits.None),
            Now);

    private static Delegator By(HubUser user, KeyGrant key, KeyLimits defaults) => new(user.Role, $"{user.Id} (key)", key, defaults);

    /// <summary>A key of the user holding every scope their role allows and nothing else bounding it.</summary>
    private static KeyGrant Full(HubUser user) =>
        new(user.Id, null, [.. KeyScopes.All.Where(s => KeyScopes.Allows(user.Role, s))], [], [], null, KeyLimits.None);

    private static AccessKey Key(HubUser user, string[]? scopes = null, string[]? models = null, string? appId = null) =>
        AccessKey.Create(new AccessKeyCreated("fedcba9876543210", user.Id, appId, "k", scopes ?? [KeyScopes.Inference], models ?? [], [], null, "old-hash", "system", Now));

    private static HubUser User(string id, UserRole role, params string[] apps)
    {
        var user = HubUser.Create(new UserCreated(id, id, null, role, null, "system", Now));
        foreach (var app in apps)
        {
            user.Apply(new AppRegistered(id, app, app, "system", Now));
        }

        return user;
    }
}
