using System.Net;
using System.Text;
using System.Text.Json;
using AigneHub.FunctionalTests.Admin;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// Hostile and broken requests, one table: each must get the right 4xx with a message that says what is wrong, must
/// not reach the provider (the fake OpenAI upstream sees nothing) and must leave no call record.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class BadRequestTableTests(HubFixture hub)
{
    private const string Chat = "/v1/chat/completions";
    private const string Model = "openai/gpt-4o-mini";

    public static TheoryData<string, string, string, string?, string?, int, string> Cases()
    {
        var big = new string('a', 10 * 1024 * 1024);
        var msg = """[{"role":"user","content":"hi"}]""";
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        var data = new TheoryData<string, string, string, string?, string?, int, string>
        {
            // name, method, path, content type, body, expected status, text the message must contain
            { "malformed JSON", "POST", Chat, "application/json", "{\"model\":", 400, "JSON" },
            { "JSON array body", "POST", Chat, "application/json", "[1,2,3]", 400, "JSON" },
            { "empty body", "POST", Chat, "application/json", "", 400, "" },
            { "trailing garbage", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}}} xyz""", 400, "JSON" },
            { "model is a number", "POST", Chat, "application/json", $$"""{"model":42,"messages":{{msg}}}""", 400, "Invalid type for 'model'" },
            { "messages is a string", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":"hi"}""", 400, "Invalid type for 'messages'" },
            { "missing messages", "POST", Chat, "application/json", $$"""{"model":"{{Model}}"}""", 400, "messages" },
            { "JSON nested 200 deep in tool parameters", "POST", Chat, "application/json", "{\"model\":\"" + Model + "\",\"messages\":" + msg + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":" + deep + "}}]}", 400, "" },
            { "JSON nested 200 deep on the AIGNE route", "POST", "/api/v2/chat", "application/json", "{\"input\":{\"messages\":" + msg + ",\"modelOptions\":{\"model\":\"" + Model + "\"},\"extra\":" + deep + "}}", 400, "" },
            { "missing model", "POST", Chat, "application/json", $$"""{"messages":{{msg}}}""", 400, "model" },
            { "control character in model", "POST", Chat, "application/json", $$"""{"model":"demo/echo\u0007","messages":{{msg}}}""", 400, "model" },
            { "newline in model", "POST", Chat, "application/json", $$"""{"model":"gpt-4o\nmini","messages":{{msg}}}""", 400, "model" },
            { "empty messages", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":[]}""", 400, "messages" },
            { "unknown role", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":[{"role":"wizard","content":"hi"}]}""", 400, "role" },
            { "missing role", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":[{"content":"hi"}]}""", 400, "role" },
            { "negative temperature", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"temperature":-1}""", 400, "temperature" },
            { "huge temperature", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"temperature":1e308}""", 400, "temperature" },
            { "temperature as string", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"temperature":"hot"}""", 400, "Invalid type for 'temperature'" },
            { "top_p above one", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"top_p":1.5}""", 400, "top_p" },
            { "negative max_tokens", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"max_tokens":-5}""", 400, "max_tokens" },
            { "max_tokens overflow", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"max_tokens":99999999999999}""", 400, "Invalid value for 'max_tokens'" },
            { "n is zero", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"n":0}""", 400, "" },
            { "stop is a number", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"stop":7}""", 400, "stop" },
            { "content part of unknown type", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":[{"type":"hologram"}]}]}""", 400, "" },
            { "10 MB string", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"{{big}}"}]}""", 413, "too large" },
            { "text/plain content type", "POST", Chat, "text/plain", $$"""{"model":"{{Model}}","messages":{{msg}}}""", 400, "content type" },
            { "form content type", "POST", Chat, "application/x-www-form-urlencoded", "model=x", 400, "content type" },
            { "no content type", "POST", Chat, null, $$"""{"model":"{{Model}}","messages":{{msg}}}""", 400, "content type" },
            { "GET on a POST route", "GET", Chat, null, null, 405, "method" },
            { "unknown /v1 route", "POST", "/v1/chat/completion", "application/json", "{}", 404, "Unknown request URL" },
            { "unknown admin route", "GET", "/api/admin/nothing-here", null, null, 404, "" },
            { "path traversal", "GET", "/v1/../../etc/passwd", null, null, 404, "" },
            { "admin bad role", "POST", "/api/admin/users", "application/json", """{"display_name":"x","role":"emperor"}""", 400, "role" },
            { "admin bad email", "POST", "/api/admin/users", "application/json", """{"display_name":"x","email":"not-an-email","role":"member"}""", 400, "email" },
            { "admin user id in the OIDC users' namespace", "POST", "/api/admin/users", "application/json", """{"user_id":"oidc_0123456789abcdef01234567","display_name":"x","role":"member"}""", 400, "may not start with" },
            { "admin empty display name", "POST", "/api/admin/users", "application/json", """{"display_name":"","role":"member"}""", 400, "display_name" },
            { "admin display name as a number", "POST", "/api/admin/users", "application/json", """{"display_name":5,"role":"member"}""", 400, "Invalid type for 'display_name': expected a string, but got an integer instead." },
            { "admin scopes as a string", "POST", "/api/admin/keys", "application/json", """{"user_id":"owner","name":"k","scopes":"inference"}""", 400, "Invalid type for 'scopes': expected an array" },
            { "admin malformed JSON", "POST", "/api/admin/users", "application/json", """{"display_name":"x",""", 400, "The body is not valid JSON" },
            { "admin key with unknown scope", "POST", "/api/admin/keys", "application/json", """{"user_id":"owner","name":"k","scopes":["root"]}""", 400, "scopes" },
            { "admin key with bad CIDR", "POST", "/api/admin/keys", "application/json", """{"user_id":"owner","name":"k","scopes":["inference"],"allowed_ips":["10.0.0.0/99"]}""", 400, "allowed_ips" },
            { "admin key with bad model pattern", "POST", "/api/admin/keys", "application/json", """{"user_id":"owner","name":"k","scopes":["inference"],"models":["op*en/x"]}""", 400, "models" },
            { "admin key for unknown user", "POST", "/api/admin/keys", "application/json", """{"user_id":"ghost","name":"k","scopes":["inference"]}""", 404, "ghost" },
            { "revoke unknown key", "POST", "/api/admin/keys/ffffffffffffffff:revoke", "application/json", "{}", 404, "ffffffffffffffff" },
            { "SQL-looking user id", "POST", "/api/admin/keys", "application/json", """{"user_id":"x'; DROP TABLE users; --","name":"k","scopes":["inference"]}""", 400, "user_id" },
            { "script-looking display name", "POST", "/api/admin/users", "application/json", """{"display_name":"<script>\u0007</script>","role":"member"}""", 400, "control characters" },
            { "huge key name", "POST", "/api/admin/keys", "application/json", $$"""{"user_id":"owner","name":"{{new string('k', 5000)}}","scopes":["inference"]}""", 400, "name" },
            { "10 MB string to the admin API", "POST", "/api/admin/users", "application/json", $$"""{"display_name":"{{big}}","role":"member"}""", 413, "too large" },
            { "provider credential with CR LF in api_key", "POST", "/api/admin/providers/poe/credentials", "application/json", """{"expected_version":1,"name":"k","api_key":"sk-abc\r\nX-Injected: yes"}""", 400, "api_key must not contain control characters" },
            { "provider credential with NUL in secret_access_key", "POST", "/api/admin/providers/bedrock/credentials", "application/json", """{"expected_version":1,"name":"k","access_key_id":"FAKEKEYIDFORTESTS000","secret_access_key":"abc\u0000def"}""", 400, "secret_access_key must not contain control characters" },
            { "provider base_url with CR LF", "POST", "/api/admin/providers", "application/json", """{"provider":"ollama","base_url":"http://127.0.0.1:9/v1\r\nX-Injected: yes"}""", 400, "base_url must not contain control characters" },
            { "provider region with a trailing newline", "PATCH", "/api/admin/providers/bedrock", "application/json", """{"expected_version":1,"region":"us-east-1\n"}""", 400, "region" },
            { "stale expected version", "POST", "/api/admin/users/owner:setRole", "application/json", """{"expected_version":99,"role":"admin"}""", 409, "version" },
            { "usage limit out of range", "GET", "/api/usage/calls?limit=-3", null, null, 400, "limit" },
            { "audit range reversed", "GET", "/api/admin/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", null, null, 400, "to" },
            // PostgreSQL stores and compares no U+0000: refused where it is read, never a 500 (nor, for a call's `user`
            // or `metadata`, a call record that no batch could write, which once stopped recording and the next start).
            { "NUL in the chat user", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"user":"a\u0000b"}""", 400, "user must not contain the NUL" },
            { "NUL in a metadata key", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"metadata":{"k\u0000":"v"} }""", 400, "metadata must not contain the NUL" },
            { "NUL in safety_identifier", "POST", Chat, "application/json", $$"""{"model":"{{Model}}","messages":{{msg}},"safety_identifier":"s\u0000"}""", 400, "safety_identifier" },
            { "NUL in a usage query", "GET", "/api/usage/calls?user_id=%00", null, null, 400, "NUL character" },
            { "NUL in an audit query", "GET", "/api/admin/audit?actor=a%00b", null, null, 400, "NUL character" },
            { "NUL in a team name", "POST", "/api/admin/teams", "application/json", """{"name":"t\u0000"}""", 400, "NUL character" },
            { "NUL in a rate's model", "PUT", "/api/admin/rates", "application/json", """{"type":"chat","provider":"demo","model":"x\u0000","input_rate":"0","output_rate":"0"}""", 400, "NUL character" },
            { "admin user id differing from one only in case", "POST", "/api/admin/users", "application/json", """{"user_id":"OWNER","display_name":"x","role":"member"}""", 409, "only in case" },
            { "multipart body cut short", "POST", "/v1/images/edits", "multipart/form-data; boundary=XYZ", "--XYZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ndemo/image\r\n--XY", 400, "multipart" },
            { "multipart without a boundary", "POST", "/v1/images/edits", "multipart/form-data", "abc", 400, "multipart" },
            { "statistics up to year 1", "GET", "/api/usage/statistics?to=0001-01-01T00:00:00Z", null, null, 400, "to must be" },
            { "report for the last day there is", "POST", "/api/admin/usage/reports:generate", "application/json", """{"kind":"daily","period":"9999-12-31"}""", 400, "period must be" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_request_gets_a_clear_4xx_reaches_no_provider_and_leaves_no_call_record(
        string name, string method, string path, string? contentType, string? body, int status, string says)
    {
        hub.Upstream.Reset();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            }

            // A client that sends a huge body first asks whether to (as curl does), so the early 413 reaches it.
            request.Headers.ExpectContinue = body.Length > 1024 * 1024;
        }

        using var response = await hub.Rest.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        var shown = text.Length > 500 ? text[..500] + "…" : text;
        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {shown}");
        Assert.True(text.Contains(says, StringComparison.OrdinalIgnoreCase), $"{name}: the message should mention '{says}': {shown}");
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.Empty(hub.Upstream.Requests);
        if (path == Chat && status != 404)
        {
            await AssertNoCallRecordAsync(response);
        }
    }

    [Theory]
    [InlineData("forged key", "ahk_0123456789abcdef_forged-secret-0123456789-abcdefghijklmnopqrstuvwxyz", 401)]
    [InlineData("random bearer", "Zm9vYmFy", 401)]
    [InlineData("JWT without an issuer configured", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", 401)]
    public async Task Bad_credentials_are_refused_before_anything_runs(string name, string key, int status)
    {
        hub.Upstream.Reset();
        using var client = TestAccess.RestClient(hub.RestUri, key);

        using var response = await client.PostAsync(Chat, new StringContent($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.True(status == (int)response.StatusCode, name);
        Assert.Empty(hub.Upstream.Requests);
        await AssertNoCallRecordAsync(response);
    }

    /// <summary>
    /// Hostile changes to keys and roles, each made with a credential that may not make it: 403 naming the field. The
    /// callers ({…} in the table) are made afresh for each row by <see cref="CastAsync"/>.
    /// </summary>
    public static TheoryData<string, string, string, string, string> DelegationCases() => new()
    {
        // name, caller, path, body, field named in the refusal
        { "admin mints a key for an owner", "admin", "/api/admin/keys", """{"user_id":"{owner}","name":"k","scopes":["admin:write"]}""", "user_id" },
        { "admin rotates an owner's key", "admin", "/api/admin/keys/{owner-key}:rotate", """{"expected_version":1}""", "key_id" },
        { "admin revokes an owner's key", "admin", "/api/admin/keys/{owner-key}:revoke", "{}", "key_id" },
        { "admin mints a key for another admin", "admin", "/api/admin/keys", """{"user_id":"{other-admin}","name":"k","scopes":["inference"]}""", "user_id" },
        { "admin rotates another admin's key", "admin", "/api/admin/keys/{other-admin-key}:rotate", """{"expected_version":1}""", "key_id" },
        { "admin revokes another admin's key", "admin", "/api/admin/keys/{other-admin-key}:revoke", "{}", "key_id" },
        { "admin demotes another admin", "admin", "/api/admin/users/{other-admin}:setRole", """{"expected_version":1,"role":"member"}""", "user_id" },
        { "admin demotes an owner", "admin", "/api/admin/users/{owner}:setRole", """{"expected_version":1,"role":"member"}""", "role" },
        { "admin disables an owner", "admin", "/api/admin/users/{owner}:disable", "{}", "user_id" },
        { "admin disables another admin", "admin", "/api/admin/users/{other-admin}:disable", """{"reason":"x"}""", "user_id" },
        { "admin enables an owner", "admin", "/api/admin/users/{owner}:enable", "{}", "user_id" },
        { "admin disables themselves", "admin", "/api/admin/users/{admin}:disable", "{}", "user_id" },
        { "admin registers an app for an owner", "admin", "/api/admin/users/{owner}/apps", """{"expected_version":1,"app_id":"x","name":"x"}""", "user_id" },
        { "inference-only key mints an admin:write key", "admin-inference", "/api/user/keys", """{"name":"k","scopes":["admin:write"]}""", "scopes" },
        { "admin:read key mints an admin:write key", "admin-read", "/api/user/keys", """{"name":"k","scopes":["admin:read","admin:write"]}""", "scopes" },
        { "inference-only key rotates its user's admin:write key", "admin-inference", "/api/user/keys/{admin-key}:rotate", """{"expected_version":1}""", "scopes" },
        { "allow-listed key mints a key for every model", "member-restricted", "/api/user/keys", """{"name":"k","models":["*"]}""", "models" },
        { "allow-listed key mints a key for another model", "member-restricted", "/api/user/keys", """{"name":"k","models":["openai/gpt-4o-mini"]}""", "models" },
        { "expiring key mints a key that outlives it", "member-restricted", "/api/user/keys", """{"name":"k","expires_at":"2100-01-01T00:00:00Z"}""", "expires_at" },
        { "address-bound key mints a key usable anywhere", "member-restricted", "/api/user/keys", """{"name":"k","allowed_ips":["0.0.0.0/0"]}""", "allowed_ips" },
        { "app-bound key mints a key of another app", "member-restricted", "/api/user/keys", """{"name":"k","app_id":"app-b"}""", "app_id" },
        { "allow-listed key rotates its user's unrestricted key", "member-restricted", "/api/user/keys/{member-key}:rotate", """{"expected_version":1}""", "models" },
        { "admin key limited to 10/min gives 1000/min", "admin-limited", "/api/admin/keys", """{"user_id":"{member}","name":"k","scopes":["inference"],"requests_per_minute":1000}""", "requests_per_minute" },
    };

    [Theory]
    [MemberData(nameof(DelegationCases))]
    public async Task Key_or_role_change_beyond_the_caller_s_own_is_refused_naming_the_field(string name, string caller, string path, string body, string field)
    {
        var cast = await CastAsync();
        using var client = TestAccess.RestClient(hub.RestUri, cast.Keys[caller]);
        hub.Upstream.Reset();

        using var response = await client.PostAsync(cast.Fill(path), new StringContent(cast.Fill(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{name}: expected 403, got {(int)response.StatusCode}: {text}");
        using var status = JsonDocument.Parse(text);
        Assert.True(field == AccessSetup.FieldOf(status.RootElement), $"{name}: the refusal should name '{field}': {text}");
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.Empty(hub.Upstream.Requests);
    }

    /// <summary>An owner, two admins and a member with their keys, all new; the owner's seeded key is never a target.</summary>
    private async Task<Cast> CastAsync()
    {
        var owner = await AccessSetup.UserAsync(hub.Rest, "owner2", "owner");
        var admin = await AccessSetup.UserAsync(hub.Rest, "admin", "admin");
        var otherAdmin = await AccessSetup.UserAsync(hub.Rest, "admin2", "admin");
        var member = await AccessSetup.UserAsync(hub.Rest, "member", "member");
        await AccessSetup.RegisterAppAsync(hub.Rest, member, "app-a");
        await AccessSetup.RegisterAppAsync(hub.Rest, member, "app-b");
        var all = new[] { "inference", "admin:read", "admin:write" };
        var ownerKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = owner, name = "owner's", scopes = all });
        var adminKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "admin's", scopes = all });
        var otherAdminKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = otherAdmin, name = "other admin's", scopes = all });
        var memberKey = await AccessSetup.KeyAsync(hub.Rest, new { user_id = member, name = "member's", scopes = new[] { "inference" } });
        var inference = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "inference only", scopes = new[] { "inference" } });
        var read = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "read only", scopes = new[] { "admin:read" } });
        var limited = await AccessSetup.KeyAsync(hub.Rest, new { user_id = admin, name = "limited", scopes = all, requests_per_minute = 10 });
        var restricted = await AccessSetup.KeyAsync(hub.Rest, new
        {
            user_id = member,
            name = "restricted",
            scopes = new[] { "inference" },
            models = new[] { "demo/echo" },
            expires_at = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
            allowed_ips = new[] { "127.0.0.0/8" },
            app_id = "app-a",
        });
        return new Cast(
            new Dictionary<string, string>
            {
                ["admin"] = adminKey.Secret,
                ["admin-inference"] = inference.Secret,
                ["admin-read"] = read.Secret,
                ["admin-limited"] = limited.Secret,
                ["member-restricted"] = restricted.Secret,
            },
            new Dictionary<string, string>
            {
                ["{owner}"] = owner,
                ["{owner-key}"] = ownerKey.KeyId,
                ["{other-admin}"] = otherAdmin,
                ["{other-admin-key}"] = otherAdminKey.KeyId,
                ["{admin-key}"] = adminKey.KeyId,
                ["{member}"] = member,
                ["{admin}"] = admin,
                ["{member-key}"] = memberKey.KeyId,
            });
    }

    private sealed record Cast(IReadOnlyDictionary<string, string> Keys, IReadOnlyDictionary<string, string> Names)
    {
        public string Fill(string text) => Names.Aggregate(text, (filled, name) => filled.Replace(name.Key, name.Value, StringComparison.Ordinal));
    }

    /// <summary>Calls a restricted key may not make, on every call type: the key's settings, the call, how often it is sent.</summary>
    public static TheoryData<string, string, string, string, int, int, string> RestrictedKeyCases() => new()
    {
        // name, key settings, path, body, times sent (all but the last must succeed), expected status, text the message must contain
        { "embeddings outside the allow-list", """{"models":["demo/echo"]}""", "/v1/embeddings", """{"model":"openai/text-embedding-3-small","input":"hi"}""", 1, 403, "openai/text-embedding-3-small" },
        { "image outside the allow-list", """{"models":["demo/echo"]}""", "/v1/images/generations", """{"model":"openai/dall-e-3","prompt":"a cat"}""", 1, 403, "openai/dall-e-3" },
        { "AIGNE embeddings outside the allow-list", """{"models":["demo/echo"]}""", "/api/v2/embeddings", """{"model":"openai/text-embedding-3-small","input":"hi"}""", 1, 403, "openai/text-embedding-3-small" },
        { "AIGNE image outside the allow-list", """{"models":["demo/echo"]}""", "/api/v2/image", """{"input":{"prompt":"a cat","modelOptions":{"model":"openai/dall-e-3"}}}""", 1, 403, "openai/dall-e-3" },
        { "third embedding at 2 requests a minute", """{"requests_per_minute":2}""", "/v1/embeddings", """{"model":"demo/embed","input":"hi"}""", 3, 429, "requests per minute" },
        { "third image at 2 requests a minute", """{"requests_per_minute":2}""", "/v1/images/generations", """{"model":"demo/image","prompt":"a cat"}""", 3, 429, "requests per minute" },
        { "embedding over the key's tokens a minute", """{"tokens_per_minute":100}""", "/v1/embeddings", $$"""{"model":"demo/embed","input":"{{new string('x', 2000)}}"}""", 1, 429, "tokens per minute" },
    };

    [Theory]
    [MemberData(nameof(RestrictedKeyCases))]
    public async Task A_restricted_key_is_refused_on_every_call_type_before_any_provider(
        string name, string settings, string path, string body, int times, int status, string says)
    {
        hub.Upstream.Reset();
        using var client = TestAccess.RestClient(hub.RestUri, await RestrictedKeyAsync(settings));

        // A rate limit's one-minute window may roll over between two calls: then up to two more pass before the refusal.
        var attempts = status == 429 ? times + 2 : times;
        HttpResponseMessage? response = null;
        for (var i = 1; i <= attempts; i++)
        {
            response?.Dispose();
            response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            if (i < times)
            {
                Assert.True(response.IsSuccessStatusCode, $"{name}: call {i} should pass: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else if ((int)response.StatusCode == status)
            {
                break;
            }
        }

        using (response)
        {
            var text = await response!.Content.ReadAsStringAsync();
            Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {text}");
            Assert.True(text.Contains(says, StringComparison.Ordinal), $"{name}: the message should mention '{says}': {text}");
            Assert.Empty(hub.Upstream.Requests);
            await AssertNoCallRecordAsync(response);
        }
    }

    [Fact]
    public async Task An_admin_body_of_the_wrong_type_is_a_status_with_a_field_violation_like_any_validation_failure()
    {
        using var typed = await hub.Rest.PostAsync("/api/admin/users", new StringContent("""{"display_name":5,"role":"member"}""", Encoding.UTF8, "application/json"));
        using var validated = await hub.Rest.PostAsync("/api/admin/users", new StringContent("""{"display_name":"","role":"member"}""", Encoding.UTF8, "application/json"));

        foreach (var (response, description) in new[] { (typed, "Invalid type for 'display_name': expected a string, but got an integer instead."), (validated, "display_name is required") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(3, status.RootElement.GetProperty("code").GetInt32());
            var detail = Assert.Single(status.RootElement.GetProperty("details").EnumerateArray().ToArray());
            Assert.Equal("type.googleapis.com/google.rpc.BadRequest", detail.GetProperty("@type").GetString());
            var violation = Assert.Single(detail.GetProperty("fieldViolations").EnumerateArray().ToArray());
            Assert.Equal(("display_name", description), (violation.GetProperty("field").GetString(), violation.GetProperty("description").GetString()));
        }
    }

    [Fact]
    public async Task Invalid_utf8_body_is_refused()
    {
        hub.Upstream.Reset();
        var bytes = Encoding.UTF8.GetBytes($$"""{"model":"{{Model}}","messages":[{"role":"user","content":"X"}]}""");
        bytes[Array.IndexOf(bytes, (byte)'X')] = 0xC3; // a lead byte with no continuation byte
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await hub.Rest.PostAsync(Chat, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(hub.Upstream.Requests);
        await AssertNoCallRecordAsync(response);
    }

    [Theory]
    [InlineData("/v1/embeddings", """{"model":"openai/text-embedding-3-small","input":"PAD"}""")]
    [InlineData("/v1/images/generations", """{"model":"openai/dall-e-3","prompt":"PAD"}""")]
    [InlineData("/v1/chat/completions", """{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"PAD"}]}""")]
    [InlineData("/api/v2/embeddings", """{"input":{"model":"openai/text-embedding-3-small","input":"PAD"}}""")]
    [InlineData("/api/admin/users", """{"display_name":"PAD","role":"member"}""")]
    [InlineData("/api/admin/providers", """{"provider":"PAD"}""")]
    public async Task A_chunked_body_over_the_limit_is_413_like_one_with_a_declared_length(string path, string template)
    {
        hub.Upstream.Reset();
        // No Content-Length: the hub only finds out while it reads. 10 MB is over every route's limit (chat's is 8 MB).
        var body = Encoding.UTF8.GetBytes(template.Replace("PAD", new string('a', 10 * 1024 * 1024), StringComparison.Ordinal));
        var (status, text) = await ChunkedRequest.PostAsync(hub.RestUri, path, "application/json", body, TestAccess.OwnerKey);

        Assert.True(status == 413, $"{path}: {status} {text}");
        Assert.Contains("too large", text, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(hub.Upstream.Requests);
    }

    [Theory]
    [InlineData("garbage protobuf (a string field longer than the message)", new byte[] { 0, 0, 0, 0, 3, 0x0A, 0x7F, 0x41 })]
    [InlineData("garbage protobuf (field number zero)", new byte[] { 0, 0, 0, 0, 2, 0x00, 0x01 })]
    [InlineData("length prefix 0xFFFFFFFF", new byte[] { 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0A, 0x01, 0x41 })]
    [InlineData("compressed flag 7", new byte[] { 7, 0, 0, 0, 1, 0x41 })]
    [InlineData("frame shorter than its length", new byte[] { 0, 0, 0, 0, 9, 0x0A, 0x01 })]
    [InlineData("bytes after the frame", new byte[] { 0, 0, 0, 0, 0, 0x0A, 0x01, 0x41 })]
    public async Task A_malformed_grpc_frame_is_invalid_argument_and_reaches_no_provider(string name, byte[] frame)
    {
        hub.Upstream.Reset();

        var (status, message) = await GrpcFrames.SendAsync(hub.GrpcUri, "/aignehub.v1.Inference/CreateChatCompletion", frame);

        Assert.True(status == global::Grpc.Core.StatusCode.InvalidArgument, $"{name}: {status} {message}");
        Assert.DoesNotContain("Exception was thrown by handler", message, StringComparison.Ordinal);
        Assert.Empty(hub.Upstream.Requests);
    }

    /// <summary>A member and an inference key of theirs with the given extra settings (JSON).</summary>
    private async Task<string> RestrictedKeyAsync(string settings)
    {
        using var user = await hub.Rest.PostAsync("/api/admin/users", new StringContent("""{"display_name":"restricted","role":"member"}""", Encoding.UTF8, "application/json"));
        using var userBody = JsonDocument.Parse(await user.Content.ReadAsStringAsync());
        var request = System.Text.Json.Nodes.JsonNode.Parse(settings)!.AsObject();
        request["user_id"] = userBody.RootElement.GetProperty("user").GetProperty("id").GetString();
        request["name"] = "restricted";
        request["scopes"] = new System.Text.Json.Nodes.JsonArray("inference");
        using var created = await hub.Rest.PostAsync("/api/admin/keys", new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, text);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("secret").GetString()!;
    }

    private async Task AssertNoCallRecordAsync(HttpResponseMessage response)
    {
        var requestId = response.Headers.TryGetValues("x-request-id", out var values) ? values.Single() : null;
        Assert.NotNull(requestId);
        await Task.Delay(100); // two flush intervals of the recorder
        using var calls = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/usage/calls?limit=500"));
        Assert.DoesNotContain(calls.RootElement.GetProperty("calls").EnumerateArray(), c => c.GetProperty("request_id").GetString() == requestId);
    }
}
