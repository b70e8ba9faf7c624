using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Hosting;
using AigneHub.Application.Abstractions;
using AigneHub.Application.Billing.Credits.Commands.RecoverHolds;
using AigneHub.Domain.Billing;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Marten;
using Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>
/// A call that runs longer than Billing:HoldMinutes, through a whole hub whose clock the test moves forward: the hub
/// keeps renewing the call's hold, hold recovery leaves it alone, and the call is charged in full when it ends.
/// </summary>
public sealed class LongCallBillingTests : IAsyncLifetime
{
    private readonly ShiftableClock _clock = new();
    private FakeOpenAIUpstream _upstream = null!;
    private HubApplication _hub = null!;
    private HttpClient _rest = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAIUpstream.StartAsync();
        var configuration = BillingFixture.Configuration(await TestDatabase.CreateAsync("long-calls"), _upstream.BaseUrl);
        configuration["Billing:HoldMinutes"] = "1";
        configuration["Billing:HoldRenewalSeconds"] = "1";
        configuration["Providers:OpenAI:TimeoutSeconds"] = "120";
        (_hub, _rest) = await BillingFixture.StartCreditsHubAsync(configuration, services => services.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync()
    {
        _rest.Dispose();
        await _hub.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    private async Task<JsonElement> AccountOf(string user)
    {
        using var response = await _rest.GetAsync($"/api/admin/credits/{user}");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("balance").Clone();
    }

    [Fact]
    public async Task A_stream_longer_than_the_hold_time_keeps_its_hold_and_is_charged_in_full()
    {
        using (var user = await _rest.PostAsJsonAsync("/api/admin/users", new { user_id = "marathon", display_name = "marathon", role = "member" }))
        using (var grant = await _rest.PostAsJsonAsync("/api/admin/credits/marathon:grant", new { amount = "200" }))
        {
            user.EnsureSuccessStatusCode();
            grant.EnsureSuccessStatusCode();
        }

        var release = new TaskCompletionSource();
        _upstream.GateStream(release.Task, ["Once", " upon", " a time"], new FakeUsage(10, 500));
        using var request = BillingFixture.As("marathon", HttpMethod.Post, "/v1/chat/completions", new
        {
            model = "openai/gpt-4o-mini",
            messages = new object[] { new { role = "user", content = "Tell me a long story" } },
            max_tokens = 1000,
            stream = true,
            stream_options = new { include_usage = true },
        });
        using var response = await _rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await body.ReadLineAsync() is { } line && !line.Contains("Once", StringComparison.Ordinal))
        {
        }

        // The call has been running for "3 minutes" (HoldMinutes is 1) once the hub renewed its hold at the new time.
        _clock.Shift(TimeSpan.FromMinutes(3));
        var store = _hub.App.Services.GetRequiredService<IDocumentStore>();
        await Eventually(async () =>
        {
            await using var session = store.QuerySession();
            return await session.Query<HoldLease>().AnyAsync(l => l.UserId == "marathon" && l.ExpiresAt > _clock.GetUtcNow());
        });
        var recovery = await _hub.App.Services.GetRequiredService<IMediator>().Send(new RecoverHoldsCommand());

        release.SetResult();
        var rest = await body.ReadToEndAsync();

        Assert.Equal(new RecoveryReport(0, 0, 1), recovery);
        Assert.Contains("[DONE]", rest, StringComparison.Ordinal);
        var account = await AccountOf("marathon");
        Assert.Equal("50.1", account.GetProperty("total_spent").GetString()); // 10 × 0.01 + 500 × 0.1
        Assert.Equal(("149.9", "0"), (account.GetProperty("available").GetString(), account.GetProperty("held").GetString()));
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("The condition did not hold within 30 seconds.");
    }

    /// <summary>The system clock, moved forward by the test (timers still run in real time).</summary>
    private sealed class ShiftableClock : TimeProvider
    {
        private long _offsetTicks;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

        public void Shift(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
