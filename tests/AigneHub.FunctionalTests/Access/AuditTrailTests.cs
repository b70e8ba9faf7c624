using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.FunctionalTests.Admin;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Access;

/// <summary>The audit trail through the real host: who did what to which key, user or provider, and refusals.</summary>
[Collection(HubCollection.Name)]
public sealed class AuditTrailTests(HubFixture hub)
{
    private const string OwnerActor = "owner (key 0000000000000001)";

    [Fact]
    public async Task Key_lifecycle_is_in_the_trail_with_actor_address_correlation_and_before_after_without_secrets()
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "audited", role = "member" });
        using var userBody = JsonDocument.Parse(await user.Content.ReadAsStringAsync());
        var userId = userBody.RootElement.GetProperty("user").Str("id");
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "audited key", scopes = new[] { "inference" } });
        using var createdBody = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var keyId = createdBody.RootElement.GetProperty("key").Str("key_id");
        var secret = createdBody.RootElement.Str("secret")!;
        using var revoke = await hub.Rest.PostAsJsonAsync($"/api/admin/keys/{keyId}:revoke", new { reason = "audit test" });
        var revokeRequestId = revoke.Headers.GetValues("x-request-id").Single();

        var entries = await ListAsync($"target=key:{keyId}");

        Assert.Equal(["RevokeAccessKey", "CreateAccessKey"], entries.Select(e => e.Str("kind")));
        Assert.All(entries, e => Assert.Equal((OwnerActor, "127.0.0.1", "succeeded"), (e.Str("actor"), e.Str("address"), e.Str("outcome"))));
        var revoked = entries[0];
        Assert.Equal(revokeRequestId, revoked.Str("correlation_id"));
        Assert.DoesNotContain("revokedAt\":\"", revoked.Str("before"), StringComparison.Ordinal);
        Assert.Contains("revokedAt\":\"", revoked.Str("after"), StringComparison.Ordinal);
        Assert.False(entries[1].TryGetProperty("before", out _));
        // ahk_<16 hex key id>_<secret>: the secret itself is base64url and may contain '_' too.
        var secretPart = secret[("ahk_".Length + 16 + 1)..];
        Assert.All(entries, e => Assert.DoesNotContain(secretPart, e.GetRawText(), StringComparison.Ordinal));
        Assert.Contains((await ListAsync($"target=user:{userId}")), e => e.Str("kind") == "CreateUser");
    }

    [Fact]
    public async Task Refused_change_is_audited_with_its_reason()
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "refused", role = "member" });
        using var userBody = JsonDocument.Parse(await user.Content.ReadAsStringAsync());
        var userId = userBody.RootElement.GetProperty("user").Str("id");

        using var refused = await hub.Rest.PostAsJsonAsync($"/api/admin/users/{userId}:setRole", new { expected_version = 9, role = "admin" });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var entry = (await ListAsync($"target=user:{userId}&kind=ChangeUserRole")).Single();
        Assert.StartsWith("failed: ", entry.Str("outcome"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_refused_by_ip_rules_leaves_an_audit_record()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/users");
        request.Headers.Add("X-Forwarded-For", "203.0.113.77");
        using var response = await hub.Rest.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var entry = (await ListAsync("kind=IpDenied&target=address:203.0.113.77")).First();
        Assert.Equal("203.0.113.77", entry.Str("address"));
        Assert.StartsWith("refused: ", entry.Str("outcome"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trail_is_filtered_by_actor_and_time_range()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "time-range", role = "member" });

        var recent = await ListAsync($"actor=owner&from={Uri.EscapeDataString(before.ToString("O"))}&kind=CreateUser");
        var future = await ListAsync($"from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}");
        var nobody = await ListAsync("actor=nobody-at-all");

        Assert.Contains(recent, e => e.Str("after")!.Contains("time-range", StringComparison.Ordinal));
        Assert.Empty(future);
        Assert.Empty(nobody);
    }

    [Fact]
    public async Task Member_cannot_read_the_trail()
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "nosy", role = "member" });
        using var userBody = JsonDocument.Parse(await user.Content.ReadAsStringAsync());
        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userBody.RootElement.GetProperty("user").Str("id"), name = "k", scopes = new[] { "inference" } });
        using var keyBody = JsonDocument.Parse(await key.Content.ReadAsStringAsync());
        using var member = TestAccess.RestClient(hub.RestUri, keyBody.RootElement.Str("secret"));

        using var response = await member.GetAsync("/api/admin/audit");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private async Task<List<JsonElement>> ListAsync(string query)
    {
        using var response = await hub.Rest.GetAsync($"/api/admin/audit?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    }
}

/// <summary>
/// Provider admin commands in the trail. On a hub of its own (the OIDC tests' hub): the shared hub's tests already
/// register every provider name there is.
/// </summary>
public sealed class ProviderAuditTests(OidcFixture own) : IClassFixture<OidcFixture>
{
    private const string OwnerActor = "owner (key 0000000000000001)";

    [Fact]
    public async Task Provider_credential_changes_are_audited_with_the_secret_masked()
    {
        const string upstreamSecret = "sk-audit-trail-secret-0123456789abcdef";
        using var registered = await own.Owner.PostAsJsonAsync("/api/admin/providers", new { provider = "doubao", base_url = "http://127.0.0.1:9/v1" });
        Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        using var added = await own.Owner.PostAsJsonAsync("/api/admin/providers/doubao/credentials", new { expected_version = 1, name = "main", api_key = upstreamSecret });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);

        var entries = await ListAsync(own.Owner, "target=provider:doubao&kind=AddCredential");

        var entry = Assert.Single(entries);
        Assert.Equal(OwnerActor, entry.Str("actor"));
        Assert.DoesNotContain(upstreamSecret, entry.GetRawText(), StringComparison.Ordinal);
        Assert.Contains("sk-a****cdef", entry.Str("after"), StringComparison.Ordinal);
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/api/admin/audit?{query}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.Clone())];
    }
}
