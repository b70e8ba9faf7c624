using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>
/// Issue 7's promise: after a scripted run of a couple of thousand mixed calls (unary and streamed, served, failed
/// upstream, refused for credit) by several users, the statistics, the call history, the report files and the metrics
/// agree with each other and with the credit ledger to the last credit.
/// </summary>
[Collection(BillingCollection.Name)]
public sealed class UsageAgreementTests(BillingFixture hub)
{
    private const int Workers = 8;

    [Fact]
    public async Task Statistics_history_reports_metrics_and_ledger_agree_after_a_mixed_run()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var payers = Enumerable.Range(0, 4).Select(i => $"agree-{run}-payer{i}").ToArray();
        var poor = $"agree-{run}-poor";
        foreach (var payer in payers)
        {
            await hub.GrantAsync(payer, "2000");
        }

        // Less than any call's prompt and one output token (0.1): a hold that lowers max_tokens cannot serve it either.
        await hub.GrantAsync(poor, "0.2");
        var started = DateTimeOffset.UtcNow;
        var metricsBefore = await ScrapeAsync();

        // Served: 1.0 credit each (30 × 0.01 + 7 × 0.1); the poor user's calls are refused at the hold.
        hub.Upstream.Reset();
        hub.Upstream.RecordRequests = false;
        hub.Upstream.Reply("agreed", new FakeUsage(30, 7));
        var phaseA = await RunAsync([.. payers, poor], 1500);
        // The provider fails: held credits are released, nothing is charged.
        hub.Upstream.Fail(500, "upstream trouble");
        var phaseB = await RunAsync(payers, 300);
        // Served again at another size: 0.63 credits each (13 × 0.01 + 5 × 0.1).
        hub.Upstream.Reply("agreed again", new FakeUsage(13, 5));
        var phaseC = await RunAsync(payers, 200);
        hub.Upstream.Reset();
        hub.Upstream.RecordRequests = true;
        var ended = DateTimeOffset.UtcNow;
        var answered = phaseA + phaseB + phaseC;
        Assert.Equal(2000, answered.Total);
        Assert.True(answered.Ok > 1000 && answered.Refused > 0 && answered.Failed > 0, answered.ToString());

        var users = payers.Append(poor).ToArray();
        decimal ledgerSpent = 0, historyCredits = 0, statisticsCredits = 0, reportCredits = 0;
        long historyCalls = 0, statisticsCalls = 0, reportCalls = 0;
        foreach (var user in users)
        {
            var history = await HistoryAsync(user, answered.Total);
            historyCalls += history.Calls;
            historyCredits += history.Credits;

            using var balance = await SendAsync(user, HttpMethod.Get, "/api/user/credit/balance");
            var spent = Decimal((await JsonAsync(balance)).GetProperty("balance").GetProperty("total_spent"));
            Assert.True(spent == history.Credits, $"{user}: ledger spent {spent}, history charged {history.Credits}");
            ledgerSpent += spent;

            var statistics = await StatisticsAsync(user, started, ended, history.Calls);
            Assert.True((history.Calls, history.Credits) == statistics, $"{user}: history {history.Calls}/{history.Credits}, statistics {statistics}");
            statisticsCalls += statistics.Calls;
            statisticsCredits += statistics.Credits;
        }

        // Reports of every day the run touched, per user.
        for (var day = DateOnly.FromDateTime(started.UtcDateTime); day <= DateOnly.FromDateTime(ended.UtcDateTime); day = day.AddDays(1))
        {
            var period = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            using var generate = await hub.Rest.PostAsJsonAsync("/api/admin/usage/reports:generate", new { kind = "daily", period });
            await JsonAsync(generate);
            foreach (var user in users)
            {
                using var report = await SendAsync(user, HttpMethod.Get, $"/api/usage/reports/daily-{period}-user-{user}/download?format=csv");
                if (report.StatusCode == HttpStatusCode.NotFound)
                {
                    continue; // no calls of this user on that day
                }

                var total = (await report.Content.ReadAsStringAsync()).Split("\r\n")[1].Split(',');
                Assert.Equal("total", total[0]);
                reportCalls += long.Parse(total[4], CultureInfo.InvariantCulture);
                reportCredits += decimal.Parse(total[13], CultureInfo.InvariantCulture);
            }
        }

        var metricsAfter = await ScrapeAsync();
        var metricCalls = Sum(metricsAfter, "aignehub_calls_total") - Sum(metricsBefore, "aignehub_calls_total");
        var metricCredits = Sum(metricsAfter, "aignehub_credits_charged_total") - Sum(metricsBefore, "aignehub_credits_charged_total");
        var metricRefusals = Sum(metricsAfter, "aignehub_credits_hold_refusals_total") - Sum(metricsBefore, "aignehub_credits_hold_refusals_total");

        Assert.Equal(answered.Total, historyCalls);
        Assert.Equal(historyCalls, statisticsCalls);
        Assert.Equal(historyCalls, reportCalls);
        Assert.Equal(historyCalls, (long)metricCalls);
        Assert.Equal(answered.Refused, (long)metricRefusals);
        Assert.Equal(ledgerSpent, historyCredits);
        Assert.Equal(ledgerSpent, statisticsCredits);
        Assert.Equal(ledgerSpent, reportCredits);
        Assert.Equal(answered.Ok * 1m - phaseC.Ok * 0.37m, ledgerSpent);
        // Metrics are floating point: they agree to well below the ledger's 6-place scale.
        Assert.InRange((double)ledgerSpent - metricCredits, -1e-7, 1e-7);
    }

    private async Task<Outcome> RunAsync(string[] users, int calls)
    {
        var next = -1;
        var outcomes = new Outcome[Workers];
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var outcome = new Outcome(0, 0, 0, 0);
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                var user = users[i % users.Length];
                var stream = i % 3 == 0;
                using var response = await SendAsync(user, HttpMethod.Post, "/v1/chat/completions", new
                {
                    model = "openai/gpt-4o-mini",
                    stream,
                    messages = new object[] { new { role = "user", content = $"call {i}" } },
                });
                var body = await response.Content.ReadAsStringAsync();
                outcome = response.StatusCode switch
                {
                    HttpStatusCode.OK when !stream || body.Contains("data: [DONE]", StringComparison.Ordinal) => outcome with { Ok = outcome.Ok + 1 },
                    HttpStatusCode.PaymentRequired => outcome with { Refused = outcome.Refused + 1 },
                    _ => outcome with { Failed = outcome.Failed + 1 },
                };
                outcome = outcome with { Total = outcome.Total + 1 };
            }

            outcomes[worker] = outcome;
        })));
        return outcomes.Aggregate((a, b) => a + b);
    }

    private async Task<(long Calls, decimal Credits)> HistoryAsync(string user, long atMost)
    {
        // The history is written in batches: wait until the count stops growing, then read it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        (long Calls, decimal Credits) last = (-1, 0);
        while (true)
        {
            using var export = await SendAsync(user, HttpMethod.Get, "/api/usage/calls:export");
            Assert.Equal(HttpStatusCode.OK, export.StatusCode);
            var rows = (await export.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(r => r.Split(',')).ToList();
            var current = ((long)rows.Count, rows.Sum(r => r[18].Length == 0 ? 0m : decimal.Parse(r[18], CultureInfo.InvariantCulture)));
            Assert.True(current.Item1 <= atMost);
            if (current == last || DateTime.UtcNow > deadline)
            {
                return current;
            }

            last = current;
            await Task.Delay(300);
        }
    }

    private async Task<(long Calls, decimal Credits)> StatisticsAsync(string user, DateTimeOffset from, DateTimeOffset to, long expectedCalls)
    {
        var query = $"/api/usage/statistics?from={Iso(from.AddHours(-1))}&to={Iso(to.AddHours(1))}&granularity=hour";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await SendAsync(user, HttpMethod.Get, query);
            var root = await JsonAsync(response);
            var totals = root.GetProperty("totals");
            var figures = (totals.GetProperty("calls").GetInt64(), Decimal(totals.GetProperty("credits")));
            if ((figures.Item1 >= expectedCalls && !root.GetProperty("stale").GetBoolean()) || DateTime.UtcNow > deadline)
            {
                return figures;
            }

            await Task.Delay(200);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string user, HttpMethod method, string path, object? body = null)
    {
        using var request = BillingFixture.As(user, method, path, body);
        return await hub.Rest.SendAsync(request);
    }

    private async Task<string> ScrapeAsync() => await hub.Rest.GetStringAsync("/metrics");

    /// <summary>The sum of every series of a Prometheus metric (all label sets).</summary>
    private static double Sum(string exposition, string metric) => exposition
        .Split('\n')
        .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
        .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private static decimal Decimal(JsonElement value) => decimal.Parse(value.GetString()!, CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private sealed record Outcome(long Total, long Ok, long Refused, long Failed)
    {
        public static Outcome operator +(Outcome a, Outcome b) => new(a.Total + b.Total, a.Ok + b.Ok, a.Refused + b.Refused, a.Failed + b.Failed);
    }
}
