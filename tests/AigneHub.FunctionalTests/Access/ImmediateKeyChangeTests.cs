using System.Net;
using System.Net.Http.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.Api.Hosting;
using AigneHub.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// A hub whose key cache polls for changes only once a minute (the most Access:KeyCacheRefreshMs allows): whatever
/// a test sees at once after a change was made on this hub, it owes to that change, not to a poll.
/// </summary>
public sealed class SlowKeyCacheFixture : IAsyncLifetime
{
    private HubApplication? _hub;

    public HttpClient Owner { get; private set; } = null!;

    public Uri RestUri => _hub!.RestUri;

    public Uri GrpcUri => _hub!.GrpcUri;

    public async Task InitializeAsync()
    {
        var database = await TestDatabase.CreateAsync("keycache");
        _hub = await HubApplication.CreateAsync([], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Hub:RestUrl"] = "http://127.0.0.1:0",
            ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
            ["Providers:Demo:Enabled"] = "true",
            ["Providers:Demo:WordDelayMs"] = "0",
            ["Providers:CredentialRecheck:Enabled"] = "false",
            ["Hangfire:WorkerCount"] = "1",
            ["Logging:LogLevel:Default"] = "Warning",
            [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
            ["Access:KeyCacheRefreshMs"] = "60000",
            ["Secrets:ActiveKeyId"] = "keycache",
            ["Secrets:Keys:keycache"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        }));
        await _hub.StartAsync();
        Owner = TestAccess.RestClient(_hub.RestUri);
    }

    public async Task DisposeAsync()
    {
        Owner?.Dispose();
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }
    }
}

/// <summary>
/// Revoke, rotate and role changes hold on the hub that made them before it answers: the very next request, with no
/// wait, sees them — on every route and gRPC method that makes them.
/// </summary>
public sealed class ImmediateKeyChangeTests(SlowKeyCacheFixture hub) : IClassFixture<SlowKeyCacheFixture>
{
    public static TheoryData<string> Routes() => ["admin REST", "self-service REST", "admin gRPC", "self-service gRPC"];

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Revoked_key_is_refused_by_the_next_request_on_the_hub_that_revoked_it(string route)
    {
        var (old, self) = await MemberKeysAsync();
        using var client = TestAccess.RestClient(hub.RestUri, old.Secret);
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(client));

        switch (route)
        {
            case "admin REST":
                using (var response = await hub.Owner.PostAsJsonAsync($"/api/admin/keys/{old.KeyId}:revoke", new { reason = "leaked" }))
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                break;
            case "self-service REST":
                using (var selfClient = TestAccess.RestClient(hub.RestUri, self.Secret))
                using (var response = await selfClient.PostAsJsonAsync($"/api/user/keys/{old.KeyId}:revoke", new { }))
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                break;
            case "admin gRPC":
                using (var channel = TestAccess.GrpcChannel(hub.GrpcUri))
                {
                    await new AccessAdmin.AccessAdminClient(channel).RevokeAccessKeyAsync(new RevokeAccessKeyRequest { KeyId = old.KeyId });
                }

                break;
            default:
                using (var channel = TestAccess.GrpcChannel(hub.GrpcUri, self.Secret))
                {
                    await new MyAccessKeys.MyAccessKeysClient(channel).RevokeMyKeyAsync(new RevokeMyKeyRequest { KeyId = old.KeyId });
                }

                break;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await AccessSetup.ChatAsync(client));
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Rotated_key_answers_to_its_new_secret_at_once_and_no_longer_to_the_old(string route)
    {
        var (old, self) = await MemberKeysAsync();
        using var oldClient = TestAccess.RestClient(hub.RestUri, old.Secret);
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(oldClient));

        string secret;
        switch (route)
        {
            case "admin REST":
                using (var response = await hub.Owner.PostAsJsonAsync($"/api/admin/keys/{old.KeyId}:rotate", new { expected_version = 1 }))
                {
                    secret = (await AccessSetup.IssuedAsync(response)).Secret;
                }

                break;
            case "self-service REST":
                using (var selfClient = TestAccess.RestClient(hub.RestUri, self.Secret))
                using (var response = await selfClient.PostAsJsonAsync($"/api/user/keys/{old.KeyId}:rotate", new { expected_version = 1 }))
                {
                    secret = (await AccessSetup.IssuedAsync(response)).Secret;
                }

                break;
            case "admin gRPC":
                using (var channel = TestAccess.GrpcChannel(hub.GrpcUri))
                {
                    secret = (await new AccessAdmin.AccessAdminClient(channel).RotateAccessKeyAsync(new RotateAccessKeyRequest { KeyId = old.KeyId, ExpectedVersion = 1 })).Secret;
                }

                break;
            default:
                using (var channel = TestAccess.GrpcChannel(hub.GrpcUri, self.Secret))
                {
                    secret = (await new MyAccessKeys.MyAccessKeysClient(channel).RotateMyKeyAsync(new RotateMyKeyRequest { KeyId = old.KeyId, ExpectedVersion = 1 })).Secret;
                }

                break;
        }

        using var newClient = TestAccess.RestClient(hub.RestUri, secret);
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(newClient));
        Assert.Equal(HttpStatusCode.Unauthorized, await AccessSetup.ChatAsync(oldClient));
    }

    [Theory]
    [InlineData("REST")]
    [InlineData("gRPC")]
    public async Task Demoted_admin_s_key_loses_the_admin_api_at_once(string route)
    {
        var admin = await AccessSetup.UserAsync(hub.Owner, "admin-demoted", "admin");
        var key = await AccessSetup.KeyAsync(hub.Owner, new { user_id = admin, name = "admin's", scopes = new[] { "inference", "admin:read" } });
        using var client = TestAccess.RestClient(hub.RestUri, key.Secret);
        using (var before = await client.GetAsync("/api/admin/users"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        if (route == "REST")
        {
            using var response = await hub.Owner.PostAsJsonAsync($"/api/admin/users/{admin}:setRole", new { expected_version = 1, role = "member" });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        else
        {
            using var channel = TestAccess.GrpcChannel(hub.GrpcUri);
            await new AccessAdmin.AccessAdminClient(channel).ChangeUserRoleAsync(new ChangeUserRoleRequest { UserId = admin, ExpectedVersion = 1, Role = "member" });
        }

        using var after = await client.GetAsync("/api/admin/users");
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await AccessSetup.ChatAsync(client));
    }

    /// <summary>A new member with two keys: the one the test changes, and one to act with on the self-service routes.</summary>
    private async Task<(IssuedKey Changed, IssuedKey Self)> MemberKeysAsync()
    {
        var member = await AccessSetup.UserAsync(hub.Owner, "member-immediate", "member");
        var changed = await AccessSetup.KeyAsync(hub.Owner, new { user_id = member, name = "changed", scopes = new[] { "inference" } });
        var self = await AccessSetup.KeyAsync(hub.Owner, new { user_id = member, name = "self", scopes = new[] { "inference" } });
        return (changed, self);
    }
}
