using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.Tests.Shared;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Usage;

/// <summary>
/// Usage statistics through the real host: calls made with a member's key are counted by the projection daemon the
/// hub runs, and the statistics API shows the member their own figures and an admin everyone's.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class UsageStatisticsTests(HubFixture hub)
{
    [Fact]
    public async Task A_members_calls_show_up_in_their_statistics_once_counted()
    {
        var member = await CreateUserAsync("stats-member");
        using var client = TestAccess.RestClient(hub.RestUri, await CreateKeyAsync(member));
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        foreach (var words in new[] { "one", "one two", "one two three" })
        {
            using var chat = await client.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = new object[] { new { role = "user", content = words } } });
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        var query = $"/api/usage/statistics?from={Iso(from)}&to={Iso(from.AddHours(2))}&group_by=model";
        var statistics = await WaitForCallsAsync(client, query, calls: 3);

        var totals = statistics.GetProperty("totals");
        // The demo model counts one token per word, in and out.
        Assert.Equal((3L, 3L, 6L, 6L), (totals.GetProperty("calls").GetInt64(), totals.GetProperty("successes").GetInt64(),
            totals.GetProperty("prompt_tokens").GetInt64(), totals.GetProperty("completion_tokens").GetInt64()));
        Assert.Equal("demo/echo", statistics.GetProperty("groups")[0].GetProperty("group").GetString());
        Assert.True(totals.GetProperty("latency_p95_ms").GetDouble() >= totals.GetProperty("latency_p50_ms").GetDouble());
        Assert.False(statistics.GetProperty("stale").GetBoolean());

        // The admin sees the member among everyone, grouped by user.
        using var all = await hub.Rest.GetAsync($"/api/usage/statistics?from={Iso(from)}&to={Iso(from.AddHours(2))}&group_by=user");
        using var allBody = JsonDocument.Parse(await all.Content.ReadAsStringAsync());
        var mine = allBody.RootElement.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("group").GetString() == member);
        Assert.Equal(3, mine.GetProperty("figures").GetProperty("calls").GetInt64());
    }

    [Fact]
    public async Task A_member_cannot_read_another_users_statistics()
    {
        var member = await CreateUserAsync("stats-nosy");
        using var client = TestAccess.RestClient(hub.RestUri, await CreateKeyAsync(member));

        using var response = await client.GetAsync("/api/usage/statistics?user_id=someone-else");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("another user's usage", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("granularity=minute", "granularity")]
    [InlineData("group_by=colour", "group_by")]
    [InlineData("from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z", "later than")]
    [InlineData("from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z&granularity=hour", "31 days")]
    public async Task Bad_statistics_queries_answer_400_naming_the_problem(string query, string expected)
    {
        using var response = await hub.Rest.GetAsync($"/api/usage/statistics?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Statistics_over_grpc_match_the_rest_answer()
    {
        var to = DateTimeOffset.UtcNow.AddHours(1);
        var from = to.AddDays(-2);
        var usage = new AigneHub.Api.Grpc.V1.Usage.UsageClient(hub.Grpc);

        var reply = await usage.GetUsageStatisticsAsync(new GetUsageStatisticsRequest
        {
            From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from),
            To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(to),
            Granularity = "day",
            GroupBy = "call_type",
        });

        Assert.Equal(("day", "call_type", "UTC"), (reply.Granularity, reply.GroupBy, reply.Zone));
        Assert.Equal(reply.Groups.Sum(g => g.Figures.Calls), reply.Totals.Calls);
        Assert.Equal(reply.Series.Sum(p => p.Figures.Calls), reply.Totals.Calls);
        var bad = await Assert.ThrowsAsync<RpcException>(() => usage.GetUsageStatisticsAsync(new GetUsageStatisticsRequest { Granularity = "week" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    private static async Task<JsonElement> WaitForCallsAsync(HttpClient client, string query, long calls)
    {
        // The statistics are asynchronous: poll until the daemon has counted the calls (never a fixed sleep).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync(query);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            var root = JsonDocument.Parse(body).RootElement;
            if ((root.GetProperty("totals").GetProperty("calls").GetInt64() >= calls && !root.GetProperty("stale").GetBoolean()) || DateTime.UtcNow > deadline)
            {
                return root;
            }

            await Task.Delay(100);
        }
    }

    private static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));

    private async Task<string> CreateUserAsync(string name)
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = name, role = "member", email = $"{name}@example.com" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("user").GetProperty("id").GetString()!;
    }

    private async Task<string> CreateKeyAsync(string userId)
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "stats key", scopes = new[] { "inference" } });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!;
    }
}
