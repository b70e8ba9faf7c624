using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.Api.Hosting;
using AigneHub.FunctionalTests.Admin;
using AigneHub.Tests.Shared;
using Grpc.Core;
using Microsoft.Extensions.Configuration;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// Hub access keys through the real host: the owner (the seeded key) creates a member and scoped keys; what those keys
/// may and may not do, on REST and gRPC, and how fast a revoke bites.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AccessKeyTests(HubFixture hub)
{
    private static readonly object DemoChat = new { model = "demo/echo", messages = new object[] { new { role = "user", content = "hello" } } };

    [Fact]
    public async Task Chat_without_a_key_answers_401_in_openai_envelope()
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);

        using var response = await anonymous.PostAsJsonAsync("/v1/chat/completions", DemoChat);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = await ErrorAsync(response);
        Assert.Equal(("invalid_request_error", "invalid_api_key"), (error.Str("type"), error.Str("code")));
        Assert.Contains("Authorization: Bearer", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("ahk_0000000000000001_wrong-secret-0123456789-abcdefghijklmnopqrstuvwxyz")]
    [InlineData("ahk_ffffffffffffffff_test-owner-key-0123456789-abcdefghijklmnopqrstuvwxyz")]
    [InlineData("sk-not-a-hub-key")]
    [InlineData("ahk_short")]
    public async Task Forged_or_malformed_key_answers_401(string key)
    {
        using var forged = TestAccess.RestClient(hub.RestUri, key);

        using var response = await forged.PostAsJsonAsync("/v1/chat/completions", DemoChat);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", (await ErrorAsync(response)).Str("code"));
    }

    [Fact]
    public async Task Health_needs_no_key()
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);

        using var live = await anonymous.GetAsync("/healthz");
        using var ready = await anonymous.GetAsync("/readyz");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (live.StatusCode, ready.StatusCode));
    }

    [Fact]
    public async Task Grpc_call_without_a_key_is_unauthenticated()
    {
        using var anonymous = TestAccess.GrpcChannel(hub.GrpcUri, key: null);

        var error = await Assert.ThrowsAsync<RpcException>(() => new Inference.InferenceClient(anonymous).CreateChatCompletionAsync(GrpcChat("demo/echo")).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task Member_key_chats_with_allowed_models_only_and_cannot_reach_the_admin_api()
    {
        var member = await CreateMemberAsync("member-allowlist");
        var secret = await CreateKeyAsync(member, ["inference"], ["demo/*"]);
        using var client = TestAccess.RestClient(hub.RestUri, secret);

        using var allowed = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);
        using var other = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "openai/gpt-4o-mini", messages = new object[] { new { role = "user", content = "hi" } } });
        using var admin = await client.GetAsync("/api/admin/providers");

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        var refusal = await ErrorAsync(other);
        Assert.Equal("model_not_allowed", refusal.Str("code"));
        Assert.Contains("openai/gpt-4o-mini", refusal.Str("message"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        using var status = JsonDocument.Parse(await admin.Content.ReadAsStringAsync());
        Assert.Equal((int)StatusCode.PermissionDenied, status.RootElement.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Streaming_chat_outside_the_allow_list_is_refused_before_the_stream_opens()
    {
        var member = await CreateMemberAsync("member-stream");
        var secret = await CreateKeyAsync(member, ["inference"], ["demo/echo"]);
        using var client = TestAccess.RestClient(hub.RestUri, secret);

        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "openai/gpt-4o-mini", stream = true, messages = new object[] { new { role = "user", content = "hi" } } });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("model_not_allowed", (await ErrorAsync(response)).Str("code"));
    }

    [Fact]
    public async Task Grpc_member_key_is_permission_denied_on_admin_services()
    {
        var member = await CreateMemberAsync("member-grpc");
        var secret = await CreateKeyAsync(member, ["inference"], []);
        using var channel = TestAccess.GrpcChannel(hub.GrpcUri, secret);

        var chat = await new Inference.InferenceClient(channel).CreateChatCompletionAsync(GrpcChat("demo/echo"));
        var error = await Assert.ThrowsAsync<RpcException>(() => new AccessAdmin.AccessAdminClient(channel).ListUsersAsync(new ListUsersRequest()).ResponseAsync);

        Assert.NotEmpty(chat.Choices);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Admin_key_without_admin_scopes_cannot_read_the_admin_api()
    {
        var admin = await CreateUserAsync("admin-inference-only", "admin");
        var secret = await CreateKeyAsync(admin, ["inference"], []);
        using var client = TestAccess.RestClient(hub.RestUri, secret);

        using var response = await client.GetAsync("/api/admin/users");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("admin:read", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Member_cannot_be_given_admin_scopes()
    {
        var member = await CreateMemberAsync("member-no-admin");

        using var response = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = member, name = "too much", scopes = new[] { "inference", "admin:write" } });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("admin:write", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoked_key_stops_working_within_seconds()
    {
        var member = await CreateMemberAsync("member-revoke");
        var (secret, keyId) = await CreateKeyWithIdAsync(member, ["inference"], []);
        using var client = TestAccess.RestClient(hub.RestUri, secret);
        using (var before = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var revoke = await hub.Rest.PostAsJsonAsync($"/api/admin/keys/{keyId}:revoke", new { reason = "leaked" });
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        var status = await PollAsync(client, HttpStatusCode.Unauthorized, PropagationWait);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task Revoke_on_one_instance_stops_the_key_on_another_within_seconds()
    {
        await using var second = await StartSecondInstanceAsync();
        var member = await CreateMemberAsync("member-two-instances");
        var (secret, keyId) = await CreateKeyWithIdAsync(member, ["inference"], []);
        using var onSecond = TestAccess.RestClient(second.RestUri, secret);
        using (var before = await onSecond.PostAsJsonAsync("/v1/chat/completions", DemoChat))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using var revoke = await hub.Rest.PostAsJsonAsync($"/api/admin/keys/{keyId}:revoke", new { });
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await PollAsync(onSecond, HttpStatusCode.Unauthorized, PropagationWait));
    }

    [Fact]
    public async Task Disabling_a_user_on_one_instance_stops_their_keys_on_another_within_seconds()
    {
        await using var second = await StartSecondInstanceAsync();
        var member = await CreateMemberAsync("member-disabled-two");
        var (secret, _) = await CreateKeyWithIdAsync(member, ["inference"], []);
        using var onSecond = TestAccess.RestClient(second.RestUri, secret);
        using (var before = await onSecond.PostAsJsonAsync("/v1/chat/completions", DemoChat))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var disable = await hub.Rest.PostAsJsonAsync($"/api/admin/users/{member}:disable", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, await PollAsync(onSecond, HttpStatusCode.Forbidden, PropagationWait));
        using (var enable = await hub.Rest.PostAsJsonAsync($"/api/admin/users/{member}:enable", new { }))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await PollAsync(onSecond, HttpStatusCode.OK, PropagationWait));
    }

    [Fact]
    public async Task Rotated_key_answers_only_to_its_new_secret()
    {
        var member = await CreateMemberAsync("member-rotate");
        var (secret, keyId) = await CreateKeyWithIdAsync(member, ["inference"], []);

        using var rotate = await hub.Rest.PostAsJsonAsync($"/api/admin/keys/{keyId}:rotate", new { expected_version = 1 });
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        using var rotated = JsonDocument.Parse(await rotate.Content.ReadAsStringAsync());
        var newSecret = rotated.RootElement.Str("secret")!;

        Assert.StartsWith($"ahk_{keyId}_", newSecret, StringComparison.Ordinal);
        using var oldClient = TestAccess.RestClient(hub.RestUri, secret);
        using var newClient = TestAccess.RestClient(hub.RestUri, newSecret);
        Assert.Equal(HttpStatusCode.Unauthorized, await PollAsync(oldClient, HttpStatusCode.Unauthorized, PropagationWait));
        using var fresh = await newClient.PostAsJsonAsync("/v1/chat/completions", DemoChat);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Rotating_with_a_stale_version_answers_409()
    {
        var member = await CreateMemberAsync("member-stale");
        var (_, keyId) = await CreateKeyWithIdAsync(member, ["inference"], []);

        using var response = await hub.Rest.PostAsJsonAsync($"/api/admin/keys/{keyId}:rotate", new { expected_version = 7 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task Key_used_from_an_address_outside_its_allow_list_answers_403()
    {
        var member = await CreateMemberAsync("member-ips");
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = member, name = "office only", scopes = new[] { "inference" }, allowed_ips = new[] { "10.0.0.0/8", "2001:db8::/32" } });
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        using var client = TestAccess.RestClient(hub.RestUri, body.RootElement.Str("secret"));

        using var response = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("127.0.0.1", (await ErrorAsync(response)).Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_behind_a_trusted_proxy_is_judged_by_its_forwarded_address()
    {
        var member = await CreateMemberAsync("member-proxy");
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = member, name = "branch office", scopes = new[] { "inference" }, allowed_ips = new[] { "198.51.100.0/24" } });
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        using var client = TestAccess.RestClient(hub.RestUri, body.RootElement.Str("secret"));

        using var fromBranch = await SendAsync(client, "198.51.100.7");
        using var fromElsewhere = await SendAsync(client, "192.0.2.44");
        using var fromBanned = await SendAsync(hub.Rest, "203.0.113.9");

        Assert.Equal(HttpStatusCode.OK, fromBranch.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, fromElsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, fromBanned.StatusCode);
        Assert.Contains("203.0.113.9", (await ErrorAsync(fromBanned)).Str("message"), StringComparison.Ordinal);

        static Task<HttpResponseMessage> SendAsync(HttpClient client, string forwardedFor)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(DemoChat) };
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            return client.SendAsync(request);
        }
    }

    [Fact]
    public async Task Expired_key_answers_401()
    {
        var member = await CreateMemberAsync("member-expiry");
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = member, name = "short", scopes = new[] { "inference" }, expires_at = DateTimeOffset.UtcNow.AddSeconds(1).ToString("O") });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        using var client = TestAccess.RestClient(hub.RestUri, body.RootElement.Str("secret"));

        Assert.Equal(HttpStatusCode.Unauthorized, await PollAsync(client, HttpStatusCode.Unauthorized, PropagationWait));
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);
        Assert.Contains("expired", (await ErrorAsync(response)).Str("message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Member_manages_only_their_own_keys()
    {
        var member = await CreateMemberAsync("member-self");
        var other = await CreateMemberAsync("member-other");
        var (_, othersKey) = await CreateKeyWithIdAsync(other, ["inference"], []);
        using var client = TestAccess.RestClient(hub.RestUri, await CreateKeyAsync(member, ["inference"], []));

        using var created = await client.PostAsJsonAsync("/api/user/keys", new { name = "laptop" });
        using var listed = await client.GetAsync("/api/user/keys");
        using var revokeOthers = await client.PostAsJsonAsync($"/api/user/keys/{othersKey}:revoke", new { });
        using var adminOnly = await client.PostAsJsonAsync($"/api/admin/keys/{othersKey}:revoke", new { });

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var list = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
        var keys = list.RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.Equal(member, k.Str("user_id")));
        Assert.DoesNotContain("secret", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, revokeOthers.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, adminOnly.StatusCode);
    }

    [Fact]
    public async Task Last_use_of_a_key_is_recorded()
    {
        var member = await CreateMemberAsync("member-last-used");
        var (secret, keyId) = await CreateKeyWithIdAsync(member, ["inference"], []);
        using var client = TestAccess.RestClient(hub.RestUri, secret);
        using (var call = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var list = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/keys?user_id={member}"));
            var key = list.RootElement.GetProperty("keys").EnumerateArray().Single(k => k.Str("key_id") == keyId);
            if (key.TryGetProperty("last_used_at", out var at) && at.ValueKind == JsonValueKind.String)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "last_used_at was not written within 10 s");
            await Task.Delay(200);
        }
    }

    private static CreateChatCompletionRequest GrpcChat(string model) => new()
    {
        Model = model,
        Messages = { new ChatMessage { Role = "user", Content = Google.Protobuf.WellKnownTypes.Value.ForString("hello") } },
    };

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("error").Clone();
    }

    /// <summary>A second hub on the shared hub's database, its key cache polling every second.</summary>
    private Task<HubApplication> StartSecondInstanceAsync() => hub.StartSecondInstanceAsync(keyCacheRefreshMs: 1_000);

    /// <summary>
    /// How long a change may take to reach a caller: a bound, not a timing (a poll returns as soon as it sees it). The
    /// other instance polls once a second; 15 s leaves room for a CI machine running other test classes meanwhile.
    /// </summary>
    private static readonly TimeSpan PropagationWait = TimeSpan.FromSeconds(15);

    private static async Task<HttpStatusCode> PollAsync(HttpClient client, HttpStatusCode wanted, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            using var response = await client.PostAsJsonAsync("/v1/chat/completions", DemoChat);
            if (response.StatusCode == wanted || DateTime.UtcNow > deadline)
            {
                return response.StatusCode;
            }

            await Task.Delay(100);
        }
    }

    private Task<string> CreateMemberAsync(string name) => CreateUserAsync(name, "member");

    private async Task<string> CreateUserAsync(string name, string role)
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = name, role, email = $"{name}@example.com" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        var user = document.RootElement.GetProperty("user");
        Assert.Equal(role, user.Str("role"));
        return user.Str("id")!;
    }

    private async Task<string> CreateKeyAsync(string userId, string[] scopes, string[] models) => (await CreateKeyWithIdAsync(userId, scopes, models)).Secret;

    private async Task<(string Secret, string KeyId)> CreateKeyWithIdAsync(string userId, string[] scopes, string[] models)
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "test key", scopes, models });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        var secret = document.RootElement.Str("secret")!;
        var keyId = document.RootElement.GetProperty("key").Str("key_id")!;
        Assert.StartsWith($"ahk_{keyId}_", secret, StringComparison.Ordinal);
        Assert.Equal($"ahk_{keyId}_****", document.RootElement.GetProperty("key").Str("masked"));
        return (secret, keyId);
    }
}
