using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using AigneHub.Api.Hosting;
using AigneHub.FunctionalTests.Admin;
using AigneHub.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace AigneHub.FunctionalTests.Access;

/// <summary>A hub trusting a local OIDC issuer; the shared hub trusts none.</summary>
public sealed class OidcFixture : IAsyncLifetime
{
    public const string Audience = "aignehub-tests";

    private HubApplication? _hub;

    public LocalOidcIssuer Issuer { get; private set; } = null!;

    public HttpClient Owner { get; private set; } = null!;

    public Uri RestUri => _hub!.RestUri;

    public async Task InitializeAsync()
    {
        Issuer = await LocalOidcIssuer.StartAsync();
        var database = await TestDatabase.CreateAsync("oidctokens");
        _hub = await HubApplication.CreateAsync([], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Hub:RestUrl"] = "http://127.0.0.1:0",
            ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
            ["Providers:Demo:Enabled"] = "true",
            ["Providers:Demo:WordDelayMs"] = "0",
            ["Hangfire:WorkerCount"] = "1",
            ["Providers:CredentialRecheck:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
            ["Access:Oidc:Authority"] = Issuer.Issuer,
            ["Access:Oidc:Audience"] = Audience,
            ["Access:Oidc:RequireHttpsMetadata"] = "false",
            ["Access:Oidc:ClockSkewSeconds"] = "30",
            ["Secrets:ActiveKeyId"] = "test-2026",
            ["Secrets:Keys:test-2026"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
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

        if (Issuer is not null)
        {
            await Issuer.DisposeAsync();
        }
    }
}

public sealed class OidcTokenTests(OidcFixture oidc) : IClassFixture<OidcFixture>
{
    private static readonly object DemoChat = new { model = "demo/echo", messages = new object[] { new { role = "user", content = "hello" } } };

    [Fact]
    public async Task Valid_token_chats_and_creates_its_user_on_first_sight()
    {
        using var client = TestAccess.RestClient(oidc.RestUri, oidc.Issuer.Mint("alice", OidcFixture.Audience, email: "alice@example.com"));

        using var response = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var users = JsonDocument.Parse(await oidc.Owner.GetStringAsync("/api/admin/users"));
        var alice = users.RootElement.GetProperty("users").EnumerateArray().Single(u => u.Str("email") == "alice@example.com");
        Assert.Equal("member", alice.Str("role"));
        Assert.StartsWith("oidc_", alice.Str("id"), StringComparison.Ordinal);
        Assert.Equal($"{oidc.Issuer.Issuer}|alice", alice.Str("subject"));
    }

    [Fact]
    public async Task Member_token_cannot_reach_the_admin_api_and_admin_token_can()
    {
        using var member = TestAccess.RestClient(oidc.RestUri, oidc.Issuer.Mint("bob", OidcFixture.Audience));
        using var admin = TestAccess.RestClient(oidc.RestUri, oidc.Issuer.Mint("carol", OidcFixture.Audience, roles: ["staff", "aignehub-admin"]));

        using var refused = await member.GetAsync("/api/admin/users");
        using var allowed = await admin.GetAsync("/api/admin/users");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task A_disabled_user_s_valid_token_answers_403_until_the_user_is_enabled()
    {
        using var client = TestAccess.RestClient(oidc.RestUri, oidc.Issuer.Mint("erin", OidcFixture.Audience, email: "erin@example.com"));
        using (var first = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var users = JsonDocument.Parse(await oidc.Owner.GetStringAsync("/api/admin/users"));
        var erin = users.RootElement.GetProperty("users").EnumerateArray().Single(u => u.Str("email") == "erin@example.com").Str("id")!;
        using (var disable = await oidc.Owner.PostAsJsonAsync($"/api/admin/users/{erin}:disable", new { reason = "offboarded" }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        using (var refused = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("disabled", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A fresh token of the same person does not sign them in again (nor make a second user).
        using var fresh = TestAccess.RestClient(oidc.RestUri, oidc.Issuer.Mint("erin", OidcFixture.Audience, email: "erin@example.com"));
        using (var again = await fresh.PostAsJsonAsync("/v1/chat/completions", DemoChat))
        {
            Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        }

        using (var enable = await oidc.Owner.PostAsJsonAsync($"/api/admin/users/{erin}:enable", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }

        using var back = await fresh.PostAsJsonAsync("/v1/chat/completions", DemoChat);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task Expired_token_answers_401_saying_so()
    {
        var token = oidc.Issuer.Mint("dave", OidcFixture.Audience, expires: DateTime.UtcNow.AddMinutes(-5));

        var error = await RefusedAsync(token);

        Assert.Contains("expired", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_without_a_subject_answers_401_and_creates_no_user()
    {
        // Without a sub every such token (a machine client's, say) would be one hub user, with the role the first got.
        var before = await UserCountAsync();

        var error = await RefusedAsync(oidc.Issuer.Mint(null, OidcFixture.Audience, roles: ["aignehub-admin"]));

        Assert.Contains("sub", error, StringComparison.Ordinal);
        Assert.Equal(before, await UserCountAsync());
    }

    private async Task<int> UserCountAsync()
    {
        using var users = JsonDocument.Parse(await oidc.Owner.GetStringAsync("/api/admin/users"));
        return users.RootElement.GetProperty("users").GetArrayLength();
    }

    [Fact]
    public async Task Token_for_another_audience_answers_401() =>
        Assert.Contains("audience", await RefusedAsync(oidc.Issuer.Mint("erin", "some-other-api")), StringComparison.Ordinal);

    [Fact]
    public async Task Token_with_a_forged_signature_answers_401()
    {
        using var forger = RSA.Create(2048);

        Assert.Contains("signature", await RefusedAsync(oidc.Issuer.Mint("frank", OidcFixture.Audience, signWith: forger)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_signed_with_an_unpublished_key_id_answers_401()
    {
        using var other = RSA.Create(2048);

        var error = await RefusedAsync(oidc.Issuer.Mint("grace", OidcFixture.Audience, signWith: other, keyId: "unknown-key"));

        Assert.Contains("key the issuer does not publish", error, StringComparison.Ordinal);
    }

    private async Task<string> RefusedAsync(string token)
    {
        using var client = TestAccess.RestClient(oidc.RestUri, token);
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("invalid_api_key", error.Str("code"));
        return error.Str("message")!;
    }
}
