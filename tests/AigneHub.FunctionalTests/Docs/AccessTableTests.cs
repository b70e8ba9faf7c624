using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Docs;

/// <summary>
/// The "route family | needs" table of docs/api.md says what the hub does: for sample routes of its rows, the row that
/// names the route is read, and callers of each kind get what the row promises.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class AccessTableTests(HubFixture hub)
{
    [Theory]
    [InlineData("`GET /api/usage/calls`", "/api/usage/calls?limit=1")]
    [InlineData("`GET /api/usage/calls:export`", "/api/usage/calls:export?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z")]
    [InlineData("`GET /api/usage/statistics`", "/api/usage/statistics?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&granularity=day")]
    [InlineData("`GET /metrics`", "/metrics")]
    [InlineData("admin reads (`GET /api/admin/…`)", "/api/admin/users")]
    [InlineData("`GET /api/v2/status`", "/api/v2/status")]
    public async Task Each_sampled_route_answers_a_member_and_an_admin_reader_as_the_table_says(string rowNames, string route)
    {
        var needs = Needs(rowNames);
        var member = await KeyAsync("access-table-member", "member", ["inference"]);
        var reader = await KeyAsync("access-table-reader", "admin", ["admin:read"]);

        var asMember = await StatusAsync(member, route);
        var asReader = await StatusAsync(reader, route);
        var anonymous = await StatusAsync(null, route);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        Assert.Equal(HttpStatusCode.OK, asReader);
        if (needs.StartsWith("any authenticated caller", StringComparison.Ordinal))
        {
            Assert.True(asMember == HttpStatusCode.OK, $"{route}: the table says '{needs}', a member got {(int)asMember}");
        }
        else
        {
            Assert.StartsWith("scope `admin:read` and role admin or owner", needs, StringComparison.Ordinal);
            Assert.True(asMember == HttpStatusCode.Forbidden, $"{route}: the table says '{needs}', a member got {(int)asMember}");
        }
    }

    [Fact]
    public async Task A_member_reads_their_own_calls_and_is_refused_another_users_as_the_table_says()
    {
        Assert.Contains("their own usage only, and asking for another user's answers 403", Needs("`GET /api/usage/calls`"), StringComparison.Ordinal);
        var member = await KeyAsync("access-table-own-calls", "member", ["inference"]);
        using var client = TestAccess.RestClient(hub.RestUri, member);
        using (var call = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = new object[] { new { role = "user", content = "mine" } } }))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<JsonElement> calls;
        do
        {
            await Task.Delay(50);
            using var document = JsonDocument.Parse(await client.GetStringAsync("/api/usage/calls?limit=500"));
            calls = [.. document.RootElement.GetProperty("calls").EnumerateArray().Select(c => c.Clone())];
        }
        while (calls.Count == 0 && DateTime.UtcNow < deadline);
        using var others = await client.GetAsync("/api/usage/calls?user_id=owner");

        Assert.NotEmpty(calls);
        var userId = calls[0].GetProperty("user_id").GetString();
        Assert.All(calls, c => Assert.Equal(userId, c.GetProperty("user_id").GetString()));
        Assert.NotEqual("owner", userId);
        Assert.Equal(HttpStatusCode.Forbidden, others.StatusCode);
    }

    /// <summary>The "needs" cell of the first row of the access table whose first cell contains <paramref name="names"/>.</summary>
    private static string Needs(string names)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "docs", "api.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| route family | needs |", StringComparison.Ordinal));
        Assert.True(header >= 0, "docs/api.md has no 'route family | needs' table");
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Split(" | ");
            if (cells[0].Contains(names, StringComparison.Ordinal))
            {
                return cells[1].TrimEnd(' ', '|');
            }
        }

        throw new Xunit.Sdk.XunitException($"No row of the access table in docs/api.md names {names}.");
    }

    private async Task<HttpStatusCode> StatusAsync(string? key, string route)
    {
        using var client = TestAccess.RestClient(hub.RestUri, key);
        using var response = await client.GetAsync(route);
        return response.StatusCode;
    }

    private async Task<string> KeyAsync(string name, string role, string[] scopes)
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = name, role });
        var userBody = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, userBody);
        var userId = JsonDocument.Parse(userBody).RootElement.GetProperty("user").GetProperty("id").GetString();
        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name, scopes });
        var keyBody = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, keyBody);
        return JsonDocument.Parse(keyBody).RootElement.GetProperty("secret").GetString()!;
    }
}
