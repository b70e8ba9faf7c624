using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Usage;

/// <summary>Usage reports through the real host: an admin generates today's, lists and downloads them; members see theirs only.</summary>
[Collection(HubCollection.Name)]
public sealed class UsageReportTests(HubFixture hub)
{
    [Fact]
    public async Task Admin_generates_todays_reports_and_a_member_downloads_their_own()
    {
        var (member, secret) = await CreateMemberWithKeyAsync("reports-member");
        using var client = TestAccess.RestClient(hub.RestUri, secret);
        string? last = null;
        for (var i = 0; i < 2; i++)
        {
            using var chat = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = new object[] { new { role = "user", content = "two words" } } });
            last = chat.Headers.GetValues("x-request-id").Single();
        }

        await hub.WaitForCallRecordAsync(last!);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        using var generate = await hub.Rest.PostAsJsonAsync("/api/admin/usage/reports:generate", new { kind = "daily", period = today });
        var generated = await JsonAsync(generate);
        Assert.Equal($"daily-{today}-hub", generated.GetProperty("hub_report_id").GetString());

        // The member lists their own report only; the hub's is not theirs to see.
        using var mine = await client.GetAsync("/api/usage/reports?kind=daily");
        var reports = (await JsonAsync(mine)).GetProperty("reports").EnumerateArray().ToList();
        var report = Assert.Single(reports, r => r.GetProperty("period").GetString() == today);
        Assert.Equal(member, report.GetProperty("scope").GetString());
        Assert.Equal(2, report.GetProperty("calls").GetInt64());
        using var hubForMember = await client.GetAsync("/api/usage/reports?scope=hub");
        Assert.Equal(HttpStatusCode.Forbidden, hubForMember.StatusCode);
        using var hubDownloadForMember = await client.GetAsync($"/api/usage/reports/daily-{today}-hub/download");
        Assert.Equal(HttpStatusCode.NotFound, hubDownloadForMember.StatusCode);

        using var csv = await client.GetAsync($"/api/usage/reports/{report.GetProperty("id").GetString()}/download?format=csv");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Api.Rest.Usage.ReportFiles.CsvColumns, lines[0]);
        Assert.StartsWith("total,,,,2,2,0,0,4,4,", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("model,demo,echo,,2,", StringComparison.Ordinal));

        // The admin downloads the hub report as JSON, with the member among the top users.
        using var json = await hub.Rest.GetAsync($"/api/usage/reports/daily-{today}-hub/download");
        Assert.Equal("attachment; filename=\"daily-" + today + "-hub.json\"", json.Content.Headers.ContentDisposition?.ToString());
        var document = await JsonAsync(json);
        Assert.Contains(document.GetProperty("topUsers").EnumerateArray(), u => u.GetProperty("userId").GetString() == member);
    }

    [Theory]
    [InlineData("/api/usage/reports?kind=monthly", "kind")]
    [InlineData("/api/usage/reports?from=23-11-2026", "from")]
    [InlineData("/api/usage/reports/daily-2026-11-23-hub/download?format=xml", "format")]
    public async Task Bad_report_requests_answer_400_naming_the_field(string path, string field)
    {
        using var response = await hub.Rest.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_weekly_report_must_start_on_a_monday_and_members_cannot_generate()
    {
        var (_, secret) = await CreateMemberWithKeyAsync("reports-generator");
        using var client = TestAccess.RestClient(hub.RestUri, secret);

        using var tuesday = await hub.Rest.PostAsJsonAsync("/api/admin/usage/reports:generate", new { kind = "weekly", period = "2026-11-24" });
        using var member = await client.PostAsJsonAsync("/api/admin/usage/reports:generate", new { kind = "daily" });

        Assert.Equal(HttpStatusCode.BadRequest, tuesday.StatusCode);
        Assert.Contains("Monday", await tuesday.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, member.StatusCode);
    }

    [Theory]
    [InlineData("hub")]
    [InlineData("team:team_0123456789")]
    public async Task A_user_id_that_names_the_hubs_or_a_teams_report_scope_is_refused_so_no_member_reads_those_reports(string userId)
    {
        // A user's reports are stored under the user's id as their scope: a member called "hub" would list and download
        // the hub's report (every user's figures), one called "team:<id>" that team's, and their own report would
        // overwrite it.
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { user_id = userId, display_name = "reserved", role = "member" });

        var body = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, created.StatusCode);
        Assert.Contains("user_id", body);
        using var users = await hub.Rest.GetAsync("/api/admin/users");
        Assert.DoesNotContain($"\"{userId}\"", await users.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<(string UserId, string Secret)> CreateMemberWithKeyAsync(string name)
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = name, role = "member", email = $"{name}@example.com" });
        var userId = (await JsonAsync(user)).GetProperty("user").GetProperty("id").GetString()!;
        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "reports key", scopes = new[] { "inference" } });
        return (userId, (await JsonAsync(key)).GetProperty("secret").GetString()!);
    }
}
