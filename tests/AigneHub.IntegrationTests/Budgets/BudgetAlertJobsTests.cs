using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AigneHub.Infrastructure.Budgets;
using AigneHub.IntegrationTests.Reports;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AigneHub.IntegrationTests.Budgets;

/// <summary>The soft-threshold notice as the budget webhook receives it: signed JSON, retried (by throwing) until accepted.</summary>
public sealed class BudgetAlertJobsTests
{
    private static readonly Uri Hook = new("https://budgets.example/hook");

    private static readonly BudgetAlert Alert = new(
        "team:red", new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero), 10m, 8m, 8.25m, new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task The_webhook_receives_the_soft_threshold_notice_signed_and_a_refusal_is_retried()
    {
        var receiver = new WebhookReceiver(Hook);
        var jobs = new BudgetAlertJobs(
            receiver, Options.Create(new BudgetOptions { WebhookUrl = Hook, WebhookSecret = "budget-secret-0123" }),
            TimeProvider.System, NullLogger<BudgetAlertJobs>.Instance);

        receiver.Status = HttpStatusCode.BadGateway;
        await Assert.ThrowsAsync<HttpRequestException>(() => jobs.DeliverAsync(Alert, CancellationToken.None));
        receiver.Status = HttpStatusCode.NoContent;
        await jobs.DeliverAsync(Alert, CancellationToken.None);

        var (signature, body) = receiver.Last!.Value;
        var parts = signature.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("budget-secret-0123"), Encoding.UTF8.GetBytes(parts["t"] + "." + body)));
        Assert.Equal(expected, parts["v1"]);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("budget.soft_limit_reached", json.RootElement.GetProperty("type").GetString());
        var alert = json.RootElement.GetProperty("alert");
        Assert.Equal(("team:red", 8.25m, 8m), (alert.GetProperty("budget_id").GetString(), alert.GetProperty("spent_usd").GetDecimal(), alert.GetProperty("soft_limit_usd").GetDecimal()));
    }

    [Fact]
    public async Task Without_a_webhook_url_nothing_is_sent()
    {
        var receiver = new WebhookReceiver(Hook);
        var jobs = new BudgetAlertJobs(receiver, Options.Create(new BudgetOptions()), TimeProvider.System, NullLogger<BudgetAlertJobs>.Instance);

        await jobs.DeliverAsync(Alert, CancellationToken.None);

        Assert.Null(receiver.Last);
    }
}
