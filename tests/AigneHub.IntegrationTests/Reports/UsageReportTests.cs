using AigneHub.Application.Abstractions;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AigneHub.Application.Usage.Reports;
using AigneHub.Application.Usage.Reports.Commands.GenerateUsageReports;
using AigneHub.Domain.Usage;
using AigneHub.Domain.Usage.Reports;
using AigneHub.Infrastructure.Persistence;
using AigneHub.Infrastructure.Usage;
using AigneHub.Infrastructure.Usage.Reports;
using AigneHub.Tests.Shared;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Reports;

/// <summary>Usage reports generated from call records on a real PostgreSQL: exact figures, zones, replacement, delivery.</summary>
public sealed class UsageReportTests : IAsyncLifetime
{
    private DocumentStore _store = null!;

    public async Task InitializeAsync()
    {
        var connectionString = await TestDatabase.CreateAsync("reports");
        _store = DocumentStore.For(options => HubMartenConfiguration.Configure(options, connectionString));
        await _store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_daily_report_adds_up_the_days_calls_in_the_report_zone_and_compares_with_the_day_before()
    {
        // Shanghai is UTC+8: 23 November local runs from 22 Nov 16:00 UTC to 23 Nov 16:00 UTC.
        await StoreAsync(
            Call("2026-11-22T15:59:59Z", "alice", "openai", "gpt-4o-mini", 100, 10, 0.5m),          // 22 Nov local
            Call("2026-11-22T16:00:00Z", "alice", "openai", "gpt-4o-mini", 10, 5, 0.001234m),       // 23 Nov local
            Call("2026-11-23T03:00:00Z", "bob", "anthropic", "claude-sonnet-4-5", 20, 7, 0.25m),
            Call("2026-11-23T15:59:59Z", "bob", "openai", "gpt-4o-mini", 1, 0, 0m, CallStatus.Failed, ErrorKind.UpstreamTimeout),
            Call("2026-11-23T16:00:00Z", "alice", "openai", "gpt-4o-mini", 1000, 1000, 9m));         // 24 Nov local

        var generated = await GenerateAsync(ReportKind.Daily, new DateOnly(2026, 11, 23));

        Assert.Equal((3, 3L), (generated.Reports, generated.Calls));
        await using var session = _store.QuerySession();
        var hub = (await session.LoadAsync<UsageReport>("daily-2026-11-23-hub"))!;
        Assert.Equal((3L, 31L, 12L, 0.251234m), (hub.Totals.Calls, hub.Totals.PromptTokens, hub.Totals.CompletionTokens, hub.Totals.Credits));
        Assert.Equal(Math.Round(1d / 3, 6), hub.ErrorRate);
        Assert.Equal(1, hub.ErrorsByKind["upstream_timeout"]);
        Assert.Equal(["gpt-4o-mini", "claude-sonnet-4-5"], hub.ByModel.Select(m => m.Model));
        Assert.Equal(["openai", "anthropic"], hub.ByProvider.Select(p => p.Provider));
        Assert.Equal(["bob", "alice"], hub.TopUsers.Select(u => u.UserId)); // by credits: 0.25 > 0.001234
        Assert.Equal((1L, 0.5m), (hub.Previous.Calls, hub.Previous.Credits));
        Assert.Equal(200d, hub.Previous.CallsChangePercent);

        var alice = (await session.LoadAsync<UsageReport>("daily-2026-11-23-user-alice"))!;
        Assert.Equal((1L, 0.001234m, "alice"), (alice.Totals.Calls, alice.Totals.Credits, alice.Scope));
        Assert.Empty(alice.TopUsers);
    }

    [Fact]
    public async Task Generating_a_period_again_replaces_its_reports()
    {
        await StoreAsync(Call("2026-11-23T10:00:00Z", "alice", "openai", "gpt-4o-mini", 1, 1, 1m));
        await GenerateAsync(ReportKind.Daily, new DateOnly(2026, 11, 23));
        await StoreAsync(Call("2026-11-23T11:00:00Z", "carol", "openai", "gpt-4o-mini", 1, 1, 2m));

        await GenerateAsync(ReportKind.Daily, new DateOnly(2026, 11, 23));

        await using var session = _store.QuerySession();
        var reports = await session.Query<UsageReport>().Where(r => r.Period == new DateOnly(2026, 11, 23)).ToListAsync();
        Assert.Equal(3, reports.Count);
        Assert.Equal(3m, reports.Single(r => r.Scope == UsageReport.HubScope).Totals.Credits);
    }

    [Fact]
    public async Task A_daily_report_breaks_the_hub_down_by_team_and_gives_each_team_its_own_report_beside_the_users()
    {
        await StoreAsync(
            Call("2026-11-22T10:00:00Z", "alice", "openai", "gpt-4o-mini", 1, 1, 0m, costUsd: 0.5m, team: "red"),           // the day before
            Call("2026-11-23T09:00:00Z", "alice", "openai", "gpt-4o-mini", 10, 5, 0m, costUsd: 0.02m, team: "red"),
            Call("2026-11-23T10:00:00Z", "bob", "anthropic", "claude-sonnet-4-5", 20, 7, 0m, costUsd: 0.3m, team: "blue"),
            Call("2026-11-23T11:00:00Z", "alice", "openai", "gpt-4o-mini", 10, 5, 0m, costUsd: 0.02m, team: "red"),
            Call("2026-11-23T12:00:00Z", "alice", "openai", "gpt-4o-mini", 1, 1, 0m, costUsd: 0.01m));                       // her own key, no team

        var generated = await GenerateAsync(ReportKind.Daily, new DateOnly(2026, 11, 23), zone: "UTC");

        Assert.Equal(5, generated.Reports); // hub, two teams, two users
        await using var session = _store.QuerySession();
        var hub = (await session.LoadAsync<UsageReport>(generated.HubReportId))!;
        Assert.Equal(
            [("blue", 1L, 0.3m), ("red", 2L, 0.04m)],
            hub.ByTeam.Select(t => (t.TeamId, t.Figures.Calls, t.Figures.CostUsd)));
        var red = (await session.LoadAsync<UsageReport>("daily-2026-11-23-team-red"))!;
        Assert.Equal(("team:red", 2L, 0.04m), (red.Scope, red.Totals.Calls, red.Totals.CostUsd));
        Assert.Equal((1L, 0.5m), (red.Previous.Calls, red.Previous.CostUsd));
        Assert.Empty(red.ByTeam);
        var alice = (await session.LoadAsync<UsageReport>("daily-2026-11-23-user-alice"))!;
        Assert.Equal((3L, 0.05m), (alice.Totals.Calls, alice.Totals.CostUsd));
    }

    [Fact]
    public async Task A_weekly_report_covers_monday_to_monday()
    {
        await StoreAsync(
            Call("2026-11-15T23:59:59Z", "alice", "openai", "gpt-4o-mini", 1, 1, 1m),
            Call("2026-11-16T00:00:00Z", "alice", "openai", "gpt-4o-mini", 1, 1, 2m),
            Call("2026-11-22T23:59:59Z", "alice", "openai", "gpt-4o-mini", 1, 1, 4m),
            Call("2026-11-23T00:00:00Z", "alice", "openai", "gpt-4o-mini", 1, 1, 8m));

        var generated = await GenerateAsync(ReportKind.Weekly, new DateOnly(2026, 11, 16), zone: "UTC");

        await using var session = _store.QuerySession();
        var hub = (await session.LoadAsync<UsageReport>(generated.HubReportId))!;
        Assert.Equal((2L, 6m, 1L, 1m), (hub.Totals.Calls, hub.Totals.Credits, hub.Previous.Calls, hub.Previous.Credits));
    }

    [Fact]
    public async Task The_webhook_receives_the_hub_report_signed_and_a_refusal_is_retried()
    {
        await StoreAsync(Call("2026-11-23T10:00:00Z", "alice", "openai", "gpt-4o-mini", 1, 1, 1m));
        var generated = await GenerateAsync(ReportKind.Daily, new DateOnly(2026, 11, 23), zone: "UTC");
        var receiver = new WebhookReceiver(new Uri("https://reports.example/hook"));
        var options = Options.Create(new ReportsOptions { WebhookUrl = new Uri("https://reports.example/hook"), WebhookSecret = "report-secret-0123" });
        var jobs = new ReportJobs(null!, _store, receiver, options, TimeProvider.System, NullLogger<ReportJobs>.Instance);

        receiver.Status = HttpStatusCode.ServiceUnavailable;
        await Assert.ThrowsAsync<HttpRequestException>(() => jobs.DeliverAsync(generated.HubReportId, CancellationToken.None));
        receiver.Status = HttpStatusCode.OK;
        await jobs.DeliverAsync(generated.HubReportId, CancellationToken.None);

        var (signature, body) = receiver.Last!.Value;
        var parts = signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("report-secret-0123"), Encoding.UTF8.GetBytes(parts["t"] + "." + body)));
        Assert.Equal(expected, parts["v1"]);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("daily-2026-11-23-hub", json.RootElement.GetProperty("id").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("totals").GetProperty("calls").GetInt64());
    }

    private async Task<GeneratedReports> GenerateAsync(ReportKind kind, DateOnly period, string zone = "Asia/Shanghai")
    {
        var handler = new GenerateUsageReportsCommandHandler(
            new MartenCallRecordReader(_store),
            _store,
            new NoDelivery(),
            Options.Create(new ReportsOptions { TimeZone = zone }),
            TimeProvider.System);
        return await handler.Handle(new GenerateUsageReportsCommand(kind, period), CancellationToken.None);
    }

    private async Task StoreAsync(params CallRecord[] records)
    {
        await using var session = _store.LightweightSession();
        session.Store(records);
        await session.SaveChangesAsync();
    }

    private static CallRecord Call(string at, string user, string provider, string model, int prompt, int completion, decimal credits,
        CallStatus status = CallStatus.Succeeded, ErrorKind error = ErrorKind.None, decimal? costUsd = null, string? team = null)
    {
        var startedAt = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        return new CallRecord
        {
            Id = Guid.CreateVersion7(startedAt),
            RequestId = $"req-{Guid.NewGuid():N}",
            Provider = provider,
            Model = model,
            CallType = CallType.Chat,
            Streamed = false,
            PromptTokens = prompt,
            CompletionTokens = completion,
            LatencyMs = 10,
            Status = status,
            ErrorKind = error,
            StartedAt = startedAt,
            UserId = user,
            CreditsCharged = credits,
            CostUsd = costUsd,
            TeamId = team,
        };
    }

    private sealed class NoDelivery : IReportDelivery
    {
        public Task DeliverAsync(string reportId, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
