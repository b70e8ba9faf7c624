using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Hosting;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>
/// Balance leases (ADR 0024) through the whole hub: a busy account's calls are served from a lease, the balance and
/// the transactions show the lease as held credits, every call is still charged exactly once, and the lease goes back
/// to the account when the account falls idle.
/// </summary>
public sealed class BalanceLeaseHostTests : IAsyncLifetime
{
    private static readonly object[] Hello = [new { role = "user", content = "Say hello" }];
    private FakeOpenAIUpstream _upstream = null!;
    private HubApplication _hub = null!;
    private HttpClient _rest = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAIUpstream.StartAsync();
        var configuration = BillingFixture.Configuration(await TestDatabase.CreateAsync("leases"), _upstream.BaseUrl);
        configuration["Billing:LeaseBalance"] = "true";
        configuration["Billing:LeaseAfterHolds"] = "4";
        configuration["Billing:LeaseIdleSeconds"] = "1";
        (_hub, _rest) = await BillingFixture.StartCreditsHubAsync(configuration);
    }

    public async Task DisposeAsync()
    {
        _rest.Dispose();
        await _hub.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _rest.SendAsync(BillingFixture.As("busy", HttpMethod.Get, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private static decimal Amount(JsonElement balance, string name) =>
        decimal.Parse(balance.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    private async Task<List<string>> KindsAsync() =>
        [.. (await GetAsync("/api/user/credit/transactions?limit=100")).GetProperty("transactions").EnumerateArray()
            .Select(t => t.GetProperty("kind").GetString()!)];

    [Fact]
    public async Task A_busy_account_is_served_from_a_lease_that_shows_as_held_and_goes_back_when_idle()
    {
        _upstream.Reply("Hello there!", new FakeUsage(9, 3));
        using (var user = await _rest.PostAsJsonAsync("/api/admin/users", new { user_id = "busy", display_name = "busy", role = "member" }))
        using (var grant = await _rest.PostAsJsonAsync("/api/admin/credits/busy:grant", new { amount = "100" }))
        {
            user.EnsureSuccessStatusCode();
            grant.EnsureSuccessStatusCode();
        }

        // Calls until the lease is taken (the fourth hold within a second asks for it, in the background), then more
        // calls that it serves.
        var calls = 0;
        var leasedAfter = -1;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (leasedAfter < 0 || calls < leasedAfter + 10)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no lease after {calls} calls");
            using var response = await _rest.SendAsync(BillingFixture.As("busy", HttpMethod.Post, "/v1/chat/completions",
                new { model = "openai/gpt-4o-mini", messages = Hello, max_tokens = 20 }));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            calls++;
            if (leasedAfter < 0 && (await KindsAsync()).Contains("leased"))
            {
                leasedAfter = calls;
            }
        }

        // While the lease lasts it is held credits: 25 % (Billing:LeasePercent) of what was available, less what the
        // calls it served took from it. Every call is charged its exact cost (9 × 0.01 + 3 × 0.1 = 0.39) once.
        var balance = (await GetAsync("/api/user/credit/balance")).GetProperty("balance");
        Assert.Equal(calls * 0.39m, Amount(balance, "total_spent"));
        Assert.True(Amount(balance, "held") > 0m, $"held {Amount(balance, "held")} while the lease lasts");
        Assert.Equal(calls, (await KindsAsync()).Count(k => k == "captured"));

        // Idle for Billing:LeaseIdleSeconds: the lease goes back and nothing stays held.
        var idleDeadline = DateTime.UtcNow.AddSeconds(15);
        while (Amount(balance, "held") != 0m && DateTime.UtcNow < idleDeadline)
        {
            await Task.Delay(100);
            balance = (await GetAsync("/api/user/credit/balance")).GetProperty("balance");
        }

        Assert.Equal(0m, Amount(balance, "held"));
        Assert.Equal(100m - (calls * 0.39m), Amount(balance, "available"));
        Assert.Equal(calls * 0.39m, Amount(balance, "total_spent"));
        Assert.Contains("lease_returned", await KindsAsync());
    }
}
