using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.FunctionalTests.Admin;
using AigneHub.Tests.Shared;
using Grpc.Core;
using Microsoft.Extensions.Configuration;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// Disabling a user stops every credential they hold, on every surface, at once on the hub that did it (its key cache
/// polls only once a minute here), and enabling gives them back; the role rule and the user's own standing hold.
/// </summary>
public sealed class DisabledUserTests(SlowKeyCacheFixture hub) : IClassFixture<SlowKeyCacheFixture>
{
    [Theory]
    [InlineData("REST")]
    [InlineData("gRPC")]
    public async Task A_disabled_user_s_keys_are_refused_on_every_surface_at_once_and_work_again_once_enabled(string route)
    {
        var member = await AccessSetup.UserAsync(hub.Owner, "member-disabled", "member");
        var first = await AccessSetup.KeyAsync(hub.Owner, new { user_id = member, name = "first", scopes = new[] { "inference" } });
        var second = await AccessSetup.KeyAsync(hub.Owner, new { user_id = member, name = "second", scopes = new[] { "inference" } });
        using var rest = TestAccess.RestClient(hub.RestUri, first.Secret);
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, second.Secret);
        var inference = new Inference.InferenceClient(channel);
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(rest));
        await inference.CreateChatCompletionAsync(GrpcChat());

        var disabled = await ChangeAsync(route, member, disable: true, reason: "left the company");

        Assert.Equal("left the company", disabled.GetProperty("disabled_reason").GetString());
        Assert.True(disabled.TryGetProperty("disabled_at", out _));
        using (var refused = await rest.PostAsJsonAsync("/v1/chat/completions", AccessSetup.DemoChat))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Contains("is disabled", error.RootElement.GetProperty("error").Str("message"), StringComparison.Ordinal);
        }

        var denied = await Assert.ThrowsAsync<RpcException>(() => inference.CreateChatCompletionAsync(GrpcChat()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        using (var listed = JsonDocument.Parse(await hub.Owner.GetStringAsync("/api/admin/users")))
        {
            var user = listed.RootElement.GetProperty("users").EnumerateArray().Single(u => u.Str("id") == member);
            Assert.Equal("left the company", user.Str("disabled_reason"));
        }

        var enabled = await ChangeAsync(route, member, disable: false);

        Assert.False(enabled.TryGetProperty("disabled_at", out _));
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(rest));
        await inference.CreateChatCompletionAsync(GrpcChat());
    }

    [Fact]
    public async Task A_disabled_admin_loses_the_admin_api_too()
    {
        var admin = await AccessSetup.UserAsync(hub.Owner, "admin-disabled", "admin");
        var key = await AccessSetup.KeyAsync(hub.Owner, new { user_id = admin, name = "admin's", scopes = new[] { "inference", "admin:read", "admin:write" } });
        using var client = TestAccess.RestClient(hub.RestUri, key.Secret);
        using (var before = await client.GetAsync("/api/admin/users"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await ChangeAsync("REST", admin, disable: true);

        using var after = await client.GetAsync("/api/admin/users");
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Contains("disabled", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nobody_disables_themselves_and_an_admin_cannot_disable_an_owner_or_another_admin()
    {
        var admin = await AccessSetup.UserAsync(hub.Owner, "admin-disabler", "admin");
        var otherAdmin = await AccessSetup.UserAsync(hub.Owner, "admin-target", "admin");
        var owner = await AccessSetup.UserAsync(hub.Owner, "owner-target", "owner");
        var member = await AccessSetup.UserAsync(hub.Owner, "member-target", "member");
        var key = await AccessSetup.KeyAsync(hub.Owner, new { user_id = admin, name = "admin's", scopes = new[] { "admin:read", "admin:write" } });
        using var client = TestAccess.RestClient(hub.RestUri, key.Secret);

        foreach (var target in new[] { admin, otherAdmin, owner })
        {
            using var refused = await client.PostAsJsonAsync($"/api/admin/users/{target}:disable", new { });
            await AccessSetup.PermissionDeniedAsync(refused, "user_id");
        }

        using var allowed = await client.PostAsJsonAsync($"/api/admin/users/{member}:disable", new { });
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        using var stillWorks = await client.GetAsync("/api/admin/users");
        Assert.Equal(HttpStatusCode.OK, stillWorks.StatusCode);
    }

    [Fact]
    public async Task Disabling_twice_changes_nothing_and_a_disabled_user_gets_no_new_key()
    {
        var member = await AccessSetup.UserAsync(hub.Owner, "member-twice", "member");
        var once = await ChangeAsync("REST", member, disable: true, reason: "first");
        var twice = await ChangeAsync("REST", member, disable: true, reason: "second");

        Assert.Equal(once.GetProperty("version").GetInt32(), twice.GetProperty("version").GetInt32());
        Assert.Equal("first", twice.Str("disabled_reason"));
        using var key = await hub.Owner.PostAsJsonAsync("/api/admin/keys", new { user_id = member, name = "new", scopes = new[] { "inference" } });
        Assert.Equal(HttpStatusCode.Conflict, key.StatusCode);
        Assert.Contains("disabled", await key.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/admin/users/no-such-user:disable", "{}", HttpStatusCode.NotFound)]
    [InlineData("/api/admin/users/no-such-user:enable", "{}", HttpStatusCode.NotFound)]
    [InlineData("/api/admin/users/x:disable", "{\"expected_version\":-1}", HttpStatusCode.BadRequest)]
    [InlineData("/api/admin/users/x:disable", "{\"reason\":\"LONG\"}", HttpStatusCode.BadRequest)]
    [InlineData("/api/admin/users/x:disable", "{\"reason\":5", HttpStatusCode.BadRequest)]
    public async Task Bad_disable_and_enable_requests_answer_a_client_error(string path, string body, HttpStatusCode expected)
    {
        using var content = new StringContent(body.Replace("LONG", new string('r', 501), StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json");

        using var response = await hub.Owner.PostAsync(path, content);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_stale_expected_version_answers_409()
    {
        var member = await AccessSetup.UserAsync(hub.Owner, "member-stale", "member");

        using var response = await hub.Owner.PostAsJsonAsync($"/api/admin/users/{member}:disable", new { expected_version = 7 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task Only_a_key_with_admin_write_of_an_admin_disables_or_enables_anyone()
    {
        var admin = await AccessSetup.UserAsync(hub.Owner, "admin-readonly", "admin");
        var member = await AccessSetup.UserAsync(hub.Owner, "member-asking", "member");
        var target = await AccessSetup.UserAsync(hub.Owner, "member-target", "member");
        var readOnly = await AccessSetup.KeyAsync(hub.Owner, new { user_id = admin, name = "read only", scopes = new[] { "admin:read" } });
        var memberKey = await AccessSetup.KeyAsync(hub.Owner, new { user_id = member, name = "member's", scopes = new[] { "inference" } });

        foreach (var secret in new[] { readOnly.Secret, memberKey.Secret })
        {
            using var client = TestAccess.RestClient(hub.RestUri, secret);
            foreach (var verb in new[] { "disable", "enable" })
            {
                using var refused = await client.PostAsJsonAsync($"/api/admin/users/{target}:{verb}", new { });
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            }
        }

        using var listed = JsonDocument.Parse(await hub.Owner.GetStringAsync("/api/admin/users"));
        Assert.False(listed.RootElement.GetProperty("users").EnumerateArray().Single(u => u.Str("id") == target).TryGetProperty("disabled_at", out _));
    }

    [Fact]
    public async Task A_disabled_admin_whose_key_another_instance_still_accepts_changes_nothing_there()
    {
        var database = await TestDatabase.CreateAsync("disabledwindow");
        await using var first = await StartHubAsync(database, TestAccess.OwnerKey, keyCacheRefreshMs: 60_000);
        // Started second: its snapshot has every user and key the first made below only once it rebuilds, which with
        // a one-minute poll it does not do in this test; a key it has not seen it loads on first use, before the disable.
        await using var second = await StartHubAsync(database, TestAccess.OwnerKey, keyCacheRefreshMs: 60_000);
        using var owner = TestAccess.RestClient(first.RestUri);
        var admin = await AccessSetup.UserAsync(owner, "admin-window", "admin");
        var member = await AccessSetup.UserAsync(owner, "member-window", "member");
        var adminKey = await AccessSetup.KeyAsync(owner, new { user_id = admin, name = "admin's", scopes = new[] { "admin:read", "admin:write" } });
        using var onSecond = TestAccess.RestClient(second.RestUri, adminKey.Secret);
        using (var before = await onSecond.GetAsync("/api/admin/users"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var disable = await owner.PostAsJsonAsync($"/api/admin/users/{admin}:disable", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        using (var stale = await onSecond.GetAsync("/api/admin/users"))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode); // the documented window: the second instance has not looked yet
        }

        using (var selfEnable = await onSecond.PostAsJsonAsync($"/api/admin/users/{admin}:enable", new { }))
        {
            await AccessSetup.PermissionDeniedAsync(selfEnable, "user_id");
        }

        using (var disableOther = await onSecond.PostAsJsonAsync($"/api/admin/users/{member}:disable", new { }))
        {
            Assert.Contains("Your user is disabled", await AccessSetup.PermissionDeniedAsync(disableOther, "user_id"), StringComparison.Ordinal);
        }

        // Not only disabling: no admin change at all (here a key for a member, whose secret the admin would hold).
        using (var keyForMember = await onSecond.PostAsJsonAsync("/api/admin/keys", new { user_id = member, name = "for later", scopes = new[] { "inference" } }))
        {
            Assert.Contains("Your user is disabled", await AccessSetup.PermissionDeniedAsync(keyForMember, "user_id"), StringComparison.Ordinal);
        }

        // Nor credits, rates or the billing settings (commands that were once outside the audited set).
        foreach (var change in StaleAdminChanges(member))
        {
            using var refused = await change(onSecond);
            Assert.Contains("Your user is disabled", await AccessSetup.PermissionDeniedAsync(refused, "user_id"), StringComparison.Ordinal);
        }

        using var users = JsonDocument.Parse(await owner.GetStringAsync("/api/admin/users"));
        var all = users.RootElement.GetProperty("users").EnumerateArray().ToList();
        Assert.True(all.Single(u => u.Str("id") == admin).TryGetProperty("disabled_at", out _));
        Assert.False(all.Single(u => u.Str("id") == member).TryGetProperty("disabled_at", out _));
        using var credits = JsonDocument.Parse(await owner.GetStringAsync($"/api/admin/credits/{member}"));
        Assert.Equal(0m, decimal.Parse(credits.RootElement.GetProperty("balance").Str("balance")!, System.Globalization.CultureInfo.InvariantCulture));
        using var audit = JsonDocument.Parse(await owner.GetStringAsync($"/api/admin/audit?kind=GrantCredits&target=credits:{member}"));
        var grant = Assert.Single(audit.RootElement.GetProperty("entries").EnumerateArray());
        Assert.StartsWith("failed: Your user is disabled", grant.Str("outcome"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_demoted_admin_whose_key_another_instance_still_gives_the_admin_role_changes_nothing_there()
    {
        var database = await TestDatabase.CreateAsync("demotedwindow");
        await using var first = await StartHubAsync(database, TestAccess.OwnerKey, keyCacheRefreshMs: 60_000);
        await using var second = await StartHubAsync(database, TestAccess.OwnerKey, keyCacheRefreshMs: 60_000);
        using var owner = TestAccess.RestClient(first.RestUri);
        var admin = await AccessSetup.UserAsync(owner, "admin-demoted", "admin");
        var member = await AccessSetup.UserAsync(owner, "member-of-demoted", "member");
        var adminKey = await AccessSetup.KeyAsync(owner, new { user_id = admin, name = "admin's", scopes = new[] { "admin:read", "admin:write" } });
        using var onSecond = TestAccess.RestClient(second.RestUri, adminKey.Secret);
        using (var before = await onSecond.GetAsync("/api/admin/users"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var demote = await owner.PostAsJsonAsync($"/api/admin/users/{admin}:setRole", new { expected_version = 1, role = "member" }))
        {
            Assert.True(demote.IsSuccessStatusCode, await demote.Content.ReadAsStringAsync());
        }

        using (var stale = await onSecond.GetAsync("/api/admin/users"))
        {
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode); // the documented window: a read still passes there
        }

        foreach (var change in StaleAdminChanges(member).Append(c => c.PostAsJsonAsync("/api/admin/keys", new { user_id = member, name = "for later", scopes = new[] { "inference" } })))
        {
            using var refused = await change(onSecond);
            Assert.Contains("Your role on this hub is now member", await AccessSetup.PermissionDeniedAsync(refused, "role"), StringComparison.Ordinal);
        }
    }

    /// <summary>Admin changes outside users and keys, each of which a stale credential must not make: a grant, a rate, the billing settings.</summary>
    private static IEnumerable<Func<HttpClient, Task<HttpResponseMessage>>> StaleAdminChanges(string member) =>
    [
        c => c.PostAsJsonAsync($"/api/admin/credits/{member}:grant", new { amount = "1000" }),
        c => c.PutAsJsonAsync("/api/admin/rates", new { type = "chat", provider = "demo", model = "echo", input_rate = "0", output_rate = "0" }),
        c => c.PutAsJsonAsync("/api/admin/billing/settings", new
        {
            expected_version = 0,
            mode = "enterprise",
            base_credit_price = "1",
            profit_margin_percent = "2",
            currency_prefix = "$",
            new_user_grant = "1000000",
            default_hold_tokens = 100,
        }),
    ];

    [Fact]
    public async Task A_new_bootstrap_key_lets_the_operator_back_in_when_the_owner_was_disabled()
    {
        var database = await TestDatabase.CreateAsync("ownerlockout");
        string otherOwnerKey;
        await using (var first = await StartHubAsync(database, TestAccess.OwnerKey))
        {
            using var owner = TestAccess.RestClient(first.RestUri);
            var other = await AccessSetup.UserAsync(owner, "owner-two", "owner");
            otherOwnerKey = (await AccessSetup.KeyAsync(owner, new { user_id = other, name = "second owner", scopes = new[] { "admin:read", "admin:write" } })).Secret;
            using var byOther = TestAccess.RestClient(first.RestUri, otherOwnerKey);
            using (var disable = await byOther.PostAsJsonAsync("/api/admin/users/owner:disable", new { reason = "test" }))
            {
                Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
            }

            using var refused = await owner.GetAsync("/api/admin/users");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        // The same key configured again changes nothing: a restart does not undo a disable.
        await using (var restarted = await StartHubAsync(database, TestAccess.OwnerKey))
        {
            using var owner = TestAccess.RestClient(restarted.RestUri);
            using var stillRefused = await owner.GetAsync("/api/admin/users");
            Assert.Equal(HttpStatusCode.Forbidden, stillRefused.StatusCode);
        }

        var newKey = AigneHub.Domain.Access.AccessKeyToken.New().Text;
        await using var recovered = await StartHubAsync(database, newKey);
        using var operatorClient = TestAccess.RestClient(recovered.RestUri, newKey);
        using var users = await operatorClient.GetAsync("/api/admin/users");
        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
        using var listed = JsonDocument.Parse(await users.Content.ReadAsStringAsync());
        Assert.False(listed.RootElement.GetProperty("users").EnumerateArray().Single(u => u.Str("id") == "owner").TryGetProperty("disabled_at", out _));
    }

    private static async Task<AigneHub.Api.Hosting.HubApplication> StartHubAsync(string database, string bootstrapKey, int keyCacheRefreshMs = 1000)
    {
        var hub = await AigneHub.Api.Hosting.HubApplication.CreateAsync([], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Hub:RestUrl"] = "http://127.0.0.1:0",
            ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
            ["Providers:Demo:Enabled"] = "true",
            ["Providers:Demo:WordDelayMs"] = "0",
            ["Providers:CredentialRecheck:Enabled"] = "false",
            ["Hangfire:ServerEnabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            [TestAccess.ConfigurationKey] = bootstrapKey,
            ["Access:KeyCacheRefreshMs"] = keyCacheRefreshMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Secrets:ActiveKeyId"] = "lockout",
            ["Secrets:Keys:lockout"] = "bG9ja291dC10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGU=",
        }));
        await hub.StartAsync();
        return hub;
    }

    /// <summary>Disables or enables through the admin REST route or gRPC; returns the user as the answer shows it (JSON).</summary>
    private async Task<JsonElement> ChangeAsync(string route, string userId, bool disable, string? reason = null)
    {
        if (route == "REST")
        {
            using var response = await hub.Owner.PostAsJsonAsync($"/api/admin/users/{userId}:{(disable ? "disable" : "enable")}", reason is null ? (object)new { } : new { reason });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var document = JsonDocument.Parse(body);
            return document.RootElement.GetProperty("user").Clone();
        }

        using var channel = TestAccess.GrpcChannel(hub.GrpcUri);
        var admin = new AccessAdmin.AccessAdminClient(channel);
        var user = disable
            ? (await admin.DisableUserAsync(reason is null ? new DisableUserRequest { UserId = userId } : new DisableUserRequest { UserId = userId, Reason = reason })).User
            : (await admin.EnableUserAsync(new EnableUserRequest { UserId = userId })).User;
        using var json = JsonDocument.Parse(Google.Protobuf.JsonFormatter.Default.Format(user));
        return json.RootElement.Clone();
    }

    private static CreateChatCompletionRequest GrpcChat() => new()
    {
        Model = "demo/echo",
        Messages = { new ChatMessage { Role = "user", Content = Google.Protobuf.WellKnownTypes.Value.ForString("hello") } },
    };
}
