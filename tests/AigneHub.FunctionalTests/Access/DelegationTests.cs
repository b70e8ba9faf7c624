using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.FunctionalTests.Admin;
using AigneHub.Tests.Shared;
using Google.Rpc;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// No key and no admin can exceed what it was given, through the real host: an admin cannot act on an owner or another
/// admin, a key cannot give itself more scopes, a restricted key mints only keys as restricted as itself — on the
/// admin and self-service REST routes and their gRPC methods. (The REST refusals, one per route, are in the hostile
/// request table of <see cref="BadRequestTableTests"/>.)
/// </summary>
[Collection(HubCollection.Name)]
public sealed class DelegationTests(HubFixture hub)
{
    private static readonly string[] AllScopes = ["inference", "admin:read", "admin:write"];

    [Fact]
    public async Task Admin_key_cannot_become_the_owner_over_grpc()
    {
        var owner = await AccessSetup.UserAsync(hub.Rest, "owner-grpc", "owner");
        var ownerKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = owner, name = "owner's", scopes = AllScopes });
        var admin = await AccessSetup.UserAsync(hub.Rest, "admin-grpc", "admin");
        var adminKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "admin's", scopes = AllScopes });
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, adminKey.Secret);
        var client = new AccessAdmin.AccessAdminClient(channel);

        var create = await DeniedAsync(() => client.CreateAccessKeyAsync(new CreateAccessKeyRequest { UserId = owner, Name = "mine now", Scopes = { AllScopes } }).ResponseAsync);
        var rotate = await DeniedAsync(() => client.RotateAccessKeyAsync(new RotateAccessKeyRequest { KeyId = ownerKey.KeyId, ExpectedVersion = 1 }).ResponseAsync);
        var revoke = await DeniedAsync(() => client.RevokeAccessKeyAsync(new RevokeAccessKeyRequest { KeyId = ownerKey.KeyId }).ResponseAsync);
        var app = await DeniedAsync(() => client.RegisterAppAsync(new RegisterAppRequest { UserId = owner, ExpectedVersion = 1, AppId = "x", Name = "x" }).ResponseAsync);

        Assert.Equal(("user_id", "key_id", "key_id", "user_id"), (create, rotate, revoke, app));
        using var owners = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/keys?user_id={owner}"));
        var keys = owners.RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(ownerKey.KeyId, Assert.Single(keys).Str("key_id"));
        Assert.Equal(1, keys[0].GetProperty("version").GetInt32());
        using var stillOwner = TestAccess.RestClient(hub.RestUri, ownerKey.Secret);
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(stillOwner));
    }

    [Fact]
    public async Task Admin_cannot_change_another_admin_s_role_over_grpc_but_promotes_a_member()
    {
        var admin = await AccessSetup.UserAsync(hub.Rest, "admin-roles", "admin");
        var adminKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "admin's", scopes = AllScopes });
        var otherAdmin = await AccessSetup.UserAsync(hub.Rest, "admin-roles2", "admin");
        var member = await AccessSetup.UserAsync(hub.Rest, "member-roles", "member");
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, adminKey.Secret);
        var client = new AccessAdmin.AccessAdminClient(channel);

        var demote = await DeniedAsync(() => client.ChangeUserRoleAsync(new ChangeUserRoleRequest { UserId = otherAdmin, ExpectedVersion = 1, Role = "member" }).ResponseAsync);
        var promoted = await client.ChangeUserRoleAsync(new ChangeUserRoleRequest { UserId = member, ExpectedVersion = 1, Role = "admin" });

        Assert.Equal("user_id", demote);
        Assert.Equal("admin", promoted.User.Role);
    }

    [Fact]
    public async Task Admin_manages_members_keys_and_their_own()
    {
        var admin = await AccessSetup.UserAsync(hub.Rest, "admin-manages", "admin");
        var adminKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "admin's", scopes = AllScopes });
        var member = await AccessSetup.UserAsync(hub.Rest, "member-managed", "member");
        using var client = TestAccess.RestClient(hub.RestUri, adminKey.Secret);

        var memberKey = await AccessSetup.KeyAsync(client, new { user_id = member, name = "for a member", scopes = new[] { "inference" } });
        var ownKey = await AccessSetup.KeyAsync(client, new { user_id = admin, name = "my second", scopes = new[] { "admin:read" } });
        using var rotate = await client.PostAsJsonAsync($"/api/admin/keys/{memberKey.KeyId}:rotate", new { expected_version = 1 });
        using var revoke = await client.PostAsJsonAsync($"/api/admin/keys/{ownKey.KeyId}:revoke", new { });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (rotate.StatusCode, revoke.StatusCode));
        using var rotated = TestAccess.RestClient(hub.RestUri, (await AccessSetup.IssuedAsync(rotate)).Secret);
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(rotated));
    }

    [Fact]
    public async Task Key_cannot_give_itself_more_scopes_over_grpc()
    {
        var admin = await AccessSetup.UserAsync(hub.Rest, "admin-scopes-grpc", "admin");
        var adminKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "admin's", scopes = AllScopes });
        var readOnly = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "read only", scopes = new[] { "admin:read" } });
        var inference = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "inference only", scopes = new[] { "inference" } });
        using var readChannel = TestAccess.GrpcChannel(hub.GrpcUri, readOnly.Secret);
        using var inferenceChannel = TestAccess.GrpcChannel(hub.GrpcUri, inference.Secret);

        var fromRead = await DeniedAsync(() => new MyAccessKeys.MyAccessKeysClient(readChannel).CreateMyKeyAsync(new CreateMyKeyRequest { Name = "escalate", Scopes = { "admin:write" } }).ResponseAsync);
        var fromInference = await DeniedAsync(() => new MyAccessKeys.MyAccessKeysClient(inferenceChannel).CreateMyKeyAsync(new CreateMyKeyRequest { Name = "escalate", Scopes = { "admin:write" } }).ResponseAsync);
        var rotateUp = await DeniedAsync(() => new MyAccessKeys.MyAccessKeysClient(inferenceChannel).RotateMyKeyAsync(new RotateMyKeyRequest { KeyId = adminKey.KeyId, ExpectedVersion = 1 }).ResponseAsync);

        Assert.Equal(("scopes", "scopes", "scopes"), (fromRead, fromInference, rotateUp));
        using var mine = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/keys?user_id={admin}"));
        Assert.Equal(3, mine.RootElement.GetProperty("keys").GetArrayLength());
    }

    [Fact]
    public async Task Restricted_key_mints_only_keys_as_restricted_as_itself()
    {
        var member = await AccessSetup.UserAsync(hub.Rest, "member-restricted", "member");
        await AccessSetup.RegisterAppAsync(hub.Rest, member, "app-a");
        var expires = DateTimeOffset.UtcNow.AddDays(1);
        var restricted = await AccessSetup.KeyAsync(hub.Rest, new
        {
            user_id = member,
            name = "restricted",
            scopes = new[] { "inference" },
            models = new[] { "demo/*" },
            expires_at = expires.ToString("O"),
            allowed_ips = new[] { "127.0.0.0/8" },
            app_id = "app-a",
        });
        using var client = TestAccess.RestClient(hub.RestUri, restricted.Secret);

        var minted = await AccessSetup.MyKeyAsync(client, new { name = "minted with nothing said" });
        var narrower = await AccessSetup.MyKeyAsync(client, new { name = "narrower", models = new[] { "demo/echo" }, allowed_ips = new[] { "127.0.0.1" } });

        var key = minted.Key;
        Assert.Equal(["demo/*"], key.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(expires.ToUnixTimeSeconds(), key.GetProperty("expires_at").GetDateTimeOffset().ToUnixTimeSeconds());
        Assert.Equal(["127.0.0.0/8"], key.GetProperty("allowed_ips").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("app-a", key.Str("app_id"));
        Assert.Equal(["demo/echo"], narrower.Key.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["127.0.0.1/32"], narrower.Key.GetProperty("allowed_ips").EnumerateArray().Select(m => m.GetString()));
        using var mintedClient = TestAccess.RestClient(hub.RestUri, minted.Secret);
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(mintedClient));
        Assert.Equal(HttpStatusCode.Forbidden, await AccessSetup.ChatAsync(mintedClient, "openai/gpt-4o-mini"));
    }

    [Fact]
    public async Task A_key_with_rate_limits_of_its_own_mints_no_key_but_still_rotates_itself()
    {
        // Rate windows are per key: each key a 10-a-minute key made would add 10 a minute of its own (up to the
        // per-user maximum of keys), and would keep working after the leaked key was revoked.
        var member = await AccessSetup.UserAsync(hub.Rest, "member-rate-limited", "member");
        var limited = await AccessSetup.KeyAsync(hub.Rest, new { user_id = member, name = "browser", scopes = new[] { "inference" }, requests_per_minute = 10 });
        var tokens = await AccessSetup.KeyAsync(hub.Rest, new { user_id = member, name = "tokens", scopes = new[] { "inference" }, tokens_per_minute = 5_000 });
        using var asLimited = TestAccess.RestClient(hub.RestUri, limited.Secret);
        using var asTokens = TestAccess.RestClient(hub.RestUri, tokens.Secret);

        using (var sibling = await asLimited.PostAsJsonAsync("/api/user/keys", new { name = "sibling" }))
        {
            Assert.Contains("rate limits of its own", await AccessSetup.PermissionDeniedAsync(sibling, "requests_per_minute"), StringComparison.Ordinal);
        }

        using (var lower = await asLimited.PostAsJsonAsync("/api/user/keys", new { name = "even lower", requests_per_minute = 5 }))
        {
            await AccessSetup.PermissionDeniedAsync(lower, "requests_per_minute");
        }

        using (var byTokens = await asTokens.PostAsJsonAsync("/api/user/keys", new { name = "sibling" }))
        {
            await AccessSetup.PermissionDeniedAsync(byTokens, "tokens_per_minute");
        }

        using var rotated = await asLimited.PostAsJsonAsync($"/api/user/keys/{limited.KeyId}:rotate", new { expected_version = 1 });
        Assert.True(rotated.IsSuccessStatusCode, await rotated.Content.ReadAsStringAsync());
        using var keys = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/keys?user_id={member}"));
        Assert.Equal(2, keys.RootElement.GetProperty("keys").GetArrayLength());
    }

    [Fact]
    public async Task A_key_held_to_a_spend_budget_of_its_own_or_its_teams_mints_no_key_that_would_escape_it()
    {
        // A key's budget limits that key; a key it made or rotated would not be held to it, so whoever holds the
        // budgeted key could spend past the limit with the new one. The key still rotates itself (the budget stays).
        var member = await AccessSetup.UserAsync(hub.Rest, "member-budgeted", "member");
        var budgeted = await AccessSetup.KeyAsync(hub.Rest, new { user_id = member, name = "budgeted", scopes = new[] { "inference" } });
        var other = await AccessSetup.KeyAsync(hub.Rest, new { user_id = member, name = "other", scopes = new[] { "inference" } });
        using var limit = await hub.Rest.PostAsJsonAsync("/api/admin/budgets", new { scope = "key", subject_id = budgeted.KeyId, limit_usd = "1000", period = "day" });
        Assert.True(limit.IsSuccessStatusCode, await limit.Content.ReadAsStringAsync());
        using var team = await hub.Rest.PostAsJsonAsync("/api/admin/teams", new { name = "budgeted team" });
        var teamId = JsonDocument.Parse(await team.Content.ReadAsStringAsync()).RootElement.Str("id");
        using var joined = await hub.Rest.PostAsJsonAsync($"/api/teams/{teamId}/members", new { user_id = member, role = "member" });
        Assert.True(joined.IsSuccessStatusCode, await joined.Content.ReadAsStringAsync());
        using var teamKeyResponse = await hub.Rest.PostAsJsonAsync($"/api/teams/{teamId}/keys", new { user_id = member, name = "team key", scopes = new[] { "inference" } });
        var teamKey = await AccessSetup.IssuedAsync(teamKeyResponse);
        using var teamLimit = await hub.Rest.PostAsJsonAsync($"/api/teams/{teamId}/budget", new { budget = new { limit_usd = "1000", period = "day" } });
        Assert.True(teamLimit.IsSuccessStatusCode, await teamLimit.Content.ReadAsStringAsync());
        using var asBudgeted = TestAccess.RestClient(hub.RestUri, budgeted.Secret);
        using var asTeamKey = TestAccess.RestClient(hub.RestUri, teamKey.Secret);

        using var minted = await asBudgeted.PostAsJsonAsync("/api/user/keys", new { name = "escape" });
        using var rotatedOther = await asBudgeted.PostAsJsonAsync($"/api/user/keys/{other.KeyId}:rotate", new { expected_version = 1 });
        using var mintedByTeamKey = await asTeamKey.PostAsJsonAsync("/api/user/keys", new { name = "out of the team" });
        using var rotatedItself = await asBudgeted.PostAsJsonAsync($"/api/user/keys/{budgeted.KeyId}:rotate", new { expected_version = 1 });

        Assert.Contains($"key:{budgeted.KeyId}", await AccessSetup.PermissionDeniedAsync(minted, "budget"));
        await AccessSetup.PermissionDeniedAsync(rotatedOther, "budget");
        Assert.Contains($"team:{teamId}", await AccessSetup.PermissionDeniedAsync(mintedByTeamKey, "budget"));
        Assert.True(rotatedItself.IsSuccessStatusCode, await rotatedItself.Content.ReadAsStringAsync());
        using var keys = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/keys?user_id={member}"));
        Assert.Equal(3, keys.RootElement.GetProperty("keys").GetArrayLength());
    }

    [Fact]
    public async Task Restricted_key_cannot_mint_an_unrestricted_one_over_grpc()
    {
        var member = await AccessSetup.UserAsync(hub.Rest, "member-restricted-grpc", "member");
        var restricted = await AccessSetup.KeyAsync(hub.Rest, new { user_id = member, name = "restricted", scopes = new[] { "inference" }, models = new[] { "demo/echo" }, expires_at = DateTimeOffset.UtcNow.AddHours(1).ToString("O") });
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, restricted.Secret);
        var client = new MyAccessKeys.MyAccessKeysClient(channel);

        var everyModel = await DeniedAsync(() => client.CreateMyKeyAsync(new CreateMyKeyRequest { Name = "every model", Models = { "*" } }).ResponseAsync);
        var later = await DeniedAsync(() => client.CreateMyKeyAsync(new CreateMyKeyRequest { Name = "later", ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) }).ResponseAsync);
        var inherited = await client.CreateMyKeyAsync(new CreateMyKeyRequest { Name = "as restricted" });

        Assert.Equal(("models", "expires_at"), (everyModel, later));
        Assert.Equal(["demo/echo"], inherited.Key.Models);
        Assert.Equal(restricted.Key.GetProperty("expires_at").GetDateTimeOffset(), inherited.Key.ExpiresAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task Audit_trail_names_the_admin_and_the_key_that_acted_not_the_user_acted_on()
    {
        var owner = await AccessSetup.UserAsync(hub.Rest, "owner-audited", "owner");
        var admin = await AccessSetup.UserAsync(hub.Rest, "admin-audited", "admin");
        var adminKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "admin's", scopes = AllScopes });
        var member = await AccessSetup.UserAsync(hub.Rest, "member-audited", "member");
        using var client = TestAccess.RestClient(hub.RestUri, adminKey.Secret);

        var memberKey = await AccessSetup.KeyAsync(client, new { user_id = member, name = "audited", scopes = new[] { "inference" } });
        using var refused = await client.PostAsJsonAsync("/api/admin/keys", new { user_id = owner, name = "refused", scopes = AllScopes });

        await AccessSetup.PermissionDeniedAsync(refused, "user_id");
        var actor = $"{admin} (key {adminKey.KeyId})";
        var created = Assert.Single(await AuditAsync($"target=key:{memberKey.KeyId}"));
        Assert.Equal((actor, "succeeded"), (created.Str("actor"), created.Str("outcome")));
        var attempt = (await AuditAsync($"actor={Uri.EscapeDataString(actor)}&kind=CreateAccessKey")).First();
        Assert.StartsWith("failed: ", attempt.Str("outcome"), StringComparison.Ordinal);
        Assert.Contains(owner, attempt.Str("outcome"), StringComparison.Ordinal);
    }

    /// <summary>Runs a gRPC call that must be refused with PERMISSION_DENIED; returns the field its ErrorInfo names.</summary>
    private static async Task<string?> DeniedAsync(Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(error.StatusCode == StatusCode.PermissionDenied, $"{error.StatusCode}: {error.Status.Detail}");
        var info = error.GetRpcStatus()?.GetDetail<ErrorInfo>();
        return info?.Metadata.TryGetValue("field", out var field) == true ? field : null;
    }

    private async Task<List<JsonElement>> AuditAsync(string query)
    {
        using var document = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/audit?{query}"));
        return [.. document.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    }
}
