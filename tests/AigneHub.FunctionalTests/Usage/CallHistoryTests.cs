using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Usage;

/// <summary>
/// The call history through the real host: complete records (caller, app, key, credential, trace), filters, keyset
/// paging, the CSV export, and who may see whose calls.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class CallHistoryTests(HubFixture hub)
{
    private const string AppHeader = "x-aigne-hub-client-did";

    [Fact]
    public async Task A_record_names_the_caller_app_key_credential_and_trace_of_the_call()
    {
        var (member, secret, keyId) = await CreateMemberWithKeyAsync("history-fields");
        using var client = TestAccess.RestClient(hub.RestUri, secret);
        hub.Upstream.Reset();
        hub.Upstream.Reply("ok", new FakeUsage(11, 1, CachedTokens: 8));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "openai/gpt-4o-mini", messages = new object[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add(AppHeader, "did:abt:zTestApp1");
        // A traced client (see MetricsAndTracingTests): its HttpClient sends this trace's traceparent.
        using var trace = new System.Diagnostics.Activity("client").SetParentId(
            System.Diagnostics.ActivityTraceId.CreateFromString("4bf92f3577b34da6a3ce929d0e0e4736"),
            System.Diagnostics.ActivitySpanId.CreateFromString("00f067aa0ba902b7"),
            System.Diagnostics.ActivityTraceFlags.Recorded).Start();
        using var response = await client.SendAsync(request);
        trace.Stop();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var record = await hub.WaitForCallRecordAsync(response.Headers.GetValues("x-request-id").Single());

        Assert.Equal(member, record.GetProperty("user_id").GetString());
        Assert.Equal("did:abt:zTestApp1", record.GetProperty("app_id").GetString());
        Assert.Equal(keyId, record.GetProperty("key_id").GetString());
        Assert.Equal("config:openai", record.GetProperty("credential_id").GetString());
        Assert.Equal(8, record.GetProperty("cached_tokens").GetInt32());
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", record.GetProperty("trace_id").GetString());
        Assert.InRange(record.GetProperty("provider_ttfb_ms").GetDouble(), 0, record.GetProperty("ttfb_ms").GetDouble());
    }

    [Fact]
    public async Task A_members_own_records_and_export_leave_out_the_credential_that_served_which_an_admin_sees()
    {
        var (_, secret, _) = await CreateMemberWithKeyAsync("history-credential");
        using var client = TestAccess.RestClient(hub.RestUri, secret);
        hub.Upstream.Reset();
        hub.Upstream.Reply("ok", new FakeUsage(3, 1));
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "openai/gpt-4o-mini", messages = new object[] { new { role = "user", content = "hi" } } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("x-request-id").Single();

        var asAdmin = await hub.WaitForCallRecordAsync(requestId);
        var own = Assert.Single((await GetJsonAsync(client, "/api/usage/calls")).GetProperty("calls").EnumerateArray());
        var export = (await client.GetStringAsync("/api/usage/calls:export")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("config:openai", asAdmin.GetProperty("credential_id").GetString());
        Assert.Equal(requestId, own.GetProperty("request_id").GetString());
        Assert.False(own.TryGetProperty("credential_id", out var credential), $"a member was shown the credential {credential}");
        var column = Array.IndexOf(export[0].Split(','), "credential_id");
        Assert.Equal(2, export.Length);
        Assert.Equal(string.Empty, export[1].Split(',')[column]);
    }

    [Fact]
    public async Task History_pages_newest_first_without_gaps_or_repeats_and_filters()
    {
        var (member, secret, _) = await CreateMemberWithKeyAsync("history-pages");
        using var client = TestAccess.RestClient(hub.RestUri, secret);
        var requestIds = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var chat = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = new object[] { new { role = "user", content = $"call {i}" } } });
            requestIds.Add(chat.Headers.GetValues("x-request-id").Single());
        }

        await hub.WaitForCallRecordAsync(requestIds[^1]);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await GetJsonAsync(client, $"/api/usage/calls?limit=2{(token is null ? "" : "&page_token=" + token)}");
            seen.AddRange(page.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("request_id").GetString()!));
            token = page.GetProperty("next_page_token").GetString() is { Length: > 0 } next ? next : null;
            pages++;
        }
        while (token is not null && pages < 10);

        // The member's own calls only, newest first, each once.
        Assert.Equal(Enumerable.Reverse(requestIds), seen);
        Assert.Equal(3, pages);

        var admin = await GetJsonAsync(hub.Rest, $"/api/usage/calls?user_id={member}&provider=demo&model=echo&call_type=chat&status=succeeded&limit=500");
        Assert.Equal(5, admin.GetProperty("calls").GetArrayLength());
        var slow = await GetJsonAsync(hub.Rest, $"/api/usage/calls?user_id={member}&min_latency_ms=600000");
        Assert.Equal(0, slow.GetProperty("calls").GetArrayLength());
        var failed = await GetJsonAsync(hub.Rest, $"/api/usage/calls?user_id={member}&status=failed");
        Assert.Equal(0, failed.GetProperty("calls").GetArrayLength());
    }

    [Fact]
    public async Task A_member_cannot_list_another_users_calls()
    {
        var (_, secret, _) = await CreateMemberWithKeyAsync("history-nosy");
        using var client = TestAccess.RestClient(hub.RestUri, secret);

        using var list = await client.GetAsync("/api/usage/calls?user_id=usr_someone_else");
        using var export = await client.GetAsync("/api/usage/calls:export?user_id=usr_someone_else");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (list.StatusCode, export.StatusCode));
    }

    [Theory]
    [InlineData("status=weird", "status")]
    [InlineData("call_type=video", "call_type")]
    [InlineData("page_token=not-a-token", "page_token")]
    [InlineData("from=yesterday", "from")]
    [InlineData("min_latency_ms=-5", "min_latency_ms")]
    [InlineData("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "later than")]
    public async Task Bad_history_filters_answer_400_naming_the_field(string query, string expected)
    {
        // The export reads every page itself (no page_token); the list's transcoding reads `from` as a timestamp.
        if (!query.StartsWith("page_token", StringComparison.Ordinal))
        {
            using var export = await hub.Rest.GetAsync($"/api/usage/calls:export?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, export.StatusCode);
            Assert.Contains(expected, await export.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        if (!query.StartsWith("from=yesterday", StringComparison.Ordinal))
        {
            using var list = await hub.Rest.GetAsync($"/api/usage/calls?{query}");
            Assert.Equal(HttpStatusCode.BadRequest, list.StatusCode);
            Assert.Contains(expected, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Export_is_csv_with_every_call_and_client_text_quoted_and_defused()
    {
        var (_, secret, _) = await CreateMemberWithKeyAsync("history-csv");
        using var client = TestAccess.RestClient(hub.RestUri, secret);
        string? last = null;
        for (var i = 0; i < 3; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "demo/echo", messages = new object[] { new { role = "user", content = "csv" } } }),
            };
            request.Headers.TryAddWithoutValidation(AppHeader, "=cmd,\"1\"");
            using var response = await client.SendAsync(request);
            last = response.Headers.GetValues("x-request-id").Single();
        }

        await hub.WaitForCallRecordAsync(last!);

        using var export = await client.GetAsync("/api/usage/calls:export");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment;", export.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var lines = (await export.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(Api.Rest.Usage.CallExportEndpoint.Columns, lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.All(lines.Skip(1), line => Assert.Contains(",\"'=cmd,\"\"1\"\"\",", line, StringComparison.Ordinal));
        Assert.Contains(last!, lines[1], StringComparison.Ordinal);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<(string UserId, string Secret, string KeyId)> CreateMemberWithKeyAsync(string name)
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = name, role = "member", email = $"{name}@example.com" });
        var userBody = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, userBody);
        var userId = JsonDocument.Parse(userBody).RootElement.GetProperty("user").GetProperty("id").GetString()!;
        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "history key", scopes = new[] { "inference" } });
        var keyBody = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, keyBody);
        var root = JsonDocument.Parse(keyBody).RootElement;
        return (userId, root.GetProperty("secret").GetString()!, root.GetProperty("key").GetProperty("key_id").GetString()!);
    }
}
