using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Observability;

[Collection(MetricsCollection.Name)]
public sealed class MetricsAndTracingTests(MetricsHubFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "measure me" }];

    [Fact]
    public async Task Scrape_counts_the_calls_their_durations_tokens_and_upstream_errors_with_their_labels()
    {
        // Model names no other test uses (and that this collection's hub lists, so they are labels at all): other
        // collections run their own hubs in this process at the same time, and an OpenTelemetry meter provider listens
        // to every meter of the process named "AigneHub".
        hub.Upstream.Reset();
        var before = await ScrapeAsync();

        // Two successful calls (one streamed) and one call the provider refuses.
        hub.Upstream.Reply("ok", new FakeUsage(13, 2));
        var unary = await CallAsync(new { model = "deepseek/metrics-probe-ok", messages = Hello });
        hub.Upstream.ReplyStream(["o", "k"], new FakeUsage(13, 2));
        var streamed = await CallAsync(new { model = "deepseek/metrics-probe-ok", messages = Hello, stream = true, stream_options = new { include_usage = true } });
        hub.Upstream.Fail(401, "bad key");
        var failed = await CallAsync(new { model = "deepseek/metrics-probe-refused", messages = Hello });

        var unaryRecord = await hub.WaitForCallRecordAsync(unary);
        var streamedRecord = await hub.WaitForCallRecordAsync(streamed);
        var failedRecord = await hub.WaitForCallRecordAsync(failed);
        Assert.Equal("upstream_auth", failedRecord.GetProperty("error_kind").GetString());
        var model = unaryRecord.GetProperty("model").GetString()!;

        var after = await ScrapeAsync();
        Assert.Equal("metrics-probe-ok", model);
        string[] okUnary = ["provider=\"deepseek\"", $"model=\"{model}\"", "call_type=\"chat\"", "status=\"succeeded\"", "streamed=\"false\""];
        string[] okStreamed = ["provider=\"deepseek\"", $"model=\"{model}\"", "call_type=\"chat\"", "status=\"succeeded\"", "streamed=\"true\""];
        string[] refused = ["provider=\"deepseek\"", "model=\"metrics-probe-refused\"", "status=\"failed\"", "error_kind=\"upstream_auth\""];

        Assert.True(1 == Delta(before, after, "aignehub_calls_total", [.. okUnary, "error_kind=\"none\""]), after);
        Assert.True(1 == Delta(before, after, "aignehub_calls_total", [.. okStreamed, "error_kind=\"none\""]), after);
        Assert.True(1 == Delta(before, after, "aignehub_calls_total", refused), after);
        Assert.True(1 == Delta(before, after, "aignehub_call_duration_seconds_count", okUnary), after);
        Assert.True(1 == Delta(before, after, "aignehub_call_duration_seconds_count", okStreamed), after);
        Assert.True(1 == Delta(before, after, "aignehub_call_ttfb_seconds_count", okStreamed), after);

        var prompt = unaryRecord.GetProperty("prompt_tokens").GetInt32() + streamedRecord.GetProperty("prompt_tokens").GetInt32();
        var completion = unaryRecord.GetProperty("completion_tokens").GetInt32() + streamedRecord.GetProperty("completion_tokens").GetInt32();
        Assert.Equal(26, prompt);
        Assert.True(prompt == Delta(before, after, "aignehub_tokens_total", ["provider=\"deepseek\"", $"model=\"{model}\"", "token_type=\"prompt\""]), after);
        Assert.True(completion == Delta(before, after, "aignehub_tokens_total", ["provider=\"deepseek\"", $"model=\"{model}\"", "token_type=\"completion\""]), after);
    }

    [Fact]
    public async Task Made_up_model_names_never_become_metric_labels_and_do_not_grow_the_scrape()
    {
        hub.Upstream.Reset();
        var before = await ScrapeAsync();
        const int each = 100;
        var run = Guid.NewGuid().ToString("N")[..8];

        // What any inference key can send: names that a provider serving any model passes upstream (answered here),
        // prefixed or bare, names for a provider this hub has not set up, and embeddings.
        for (var i = 0; i < each; i++)
        {
            hub.Upstream.Reply("ok", new FakeUsage(3, 1));
            using var passed = await hub.PostChatAsync(new { model = $"openai/made-up-{run}-{i}", messages = Hello });
            using var bare = await hub.PostChatAsync(new { model = $"made-up-bare-{run}-{i}", messages = Hello });
            using var unconfigured = await hub.PostChatAsync(new { model = $"anthropic/made-up-{run}-{i}", messages = Hello });
            using var embedded = await hub.Rest.PostAsJsonAsync("/v1/embeddings", new { model = $"openai/made-up-embedding-{run}-{i}", input = "x" });
            Assert.Equal(
                (HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.OK),
                (passed.StatusCode, bare.StatusCode, unconfigured.StatusCode, embedded.StatusCode));
        }

        var requestId = await CallAsync(new { model = "demo/echo", messages = Hello });
        await hub.WaitForCallRecordAsync(requestId);
        var after = await ScrapeAsync();

        Assert.DoesNotContain(run, after, StringComparison.Ordinal);
        Assert.True(Delta(before, after, "aignehub_calls_total", ["provider=\"openai\"", "model=\"other\"", "call_type=\"chat\"", "status=\"succeeded\""]) >= 2 * each, after);
        Assert.True(Delta(before, after, "aignehub_calls_total", ["provider=\"openai\"", "model=\"other\"", "call_type=\"embedding\""]) >= each, after);
        Assert.True(Delta(before, after, "aignehub_calls_total", ["provider=\"anthropic\"", "model=\"other\"", "error_kind=\"model_not_found\""]) >= each, after);

        // 400 made-up names used to add over a thousand series (and megabytes); now a handful of "other" series at
        // most. The bound leaves room for series that hubs of other test collections in this process add meanwhile.
        var added = Series(after).Except(Series(before)).ToList();
        Assert.True(added.Count < 40, $"{added.Count} new series: {string.Join("\n", added.Take(100))}");
    }

    [Fact]
    public async Task Trace_context_of_the_client_reaches_the_provider_in_the_same_trace()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("traced");
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string clientSpan = "00f067aa0ba902b7";

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "openai/gpt-4o-mini", messages = Hello }),
        };
        // A traced client: its HttpClient sends the W3C traceparent of the current activity (in this process the
        // hub's tracing also listens, so a header added by hand would get a second, competing value).
        using var client = new Activity("client").SetParentId(
            ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateFromString(clientSpan), ActivityTraceFlags.Recorded).Start();
        using var response = await hub.Rest.SendAsync(request);
        client.Stop();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var sent = hub.Upstream.LastRequest.Header("traceparent");
        Assert.NotNull(sent);
        var parts = sent.Split('-');
        Assert.Equal(4, parts.Length);
        Assert.Equal(traceId, parts[1]);
        Assert.NotEqual(clientSpan, parts[2]);
    }

    [Fact]
    public async Task Scrape_endpoint_answers_in_prometheus_text_format()
    {
        using var response = await hub.Rest.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE aignehub_calls_total counter", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<string> CallAsync(object body)
    {
        using var response = await hub.PostChatAsync(body);
        await response.Content.ReadAsStringAsync();
        return response.Headers.GetValues("x-request-id").Single();
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await hub.Rest.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The hub's own series in a scrape: metric and labels, a histogram's buckets, sum and count as one.</summary>
    private static HashSet<string> Series(string scrape) =>
        scrape.Split('\n').Where(l => l.StartsWith("aignehub_", StringComparison.Ordinal) && l.Contains('}', StringComparison.Ordinal))
            .Select(l => l[..(l.LastIndexOf('}') + 1)])
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "(_bucket|_sum|_count)\\{", "{"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, ",?le=\"[^\"]*\"", string.Empty))
            .ToHashSet(StringComparer.Ordinal);

    private static double Delta(string before, string after, string metric, string[] labels) =>
        Sum(after, metric, labels) - Sum(before, metric, labels);

    /// <summary>Sums the samples of a metric whose labels include all of the given name="value" pairs.</summary>
    private static double Sum(string scrape, string metric, string[] labels)
    {
        double total = 0;
        foreach (var line in scrape.Split('\n'))
        {
            if (!line.StartsWith(metric + "{", StringComparison.Ordinal))
            {
                continue;
            }

            var close = line.LastIndexOf('}');
            var labelText = line[(metric.Length + 1)..close];
            if (labels.All(label => labelText.Split(',').Contains(label)))
            {
                var value = line[(close + 1)..].Trim().Split(' ')[0];
                total += double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}

/// <summary>
/// A hub of its own for the metrics tests: an OpenTelemetry meter provider listens to every meter of the process named
/// "AigneHub", so another hub living (and being disposed) beside it in the test process would feed or end its streams.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MetricsCollection : ICollectionFixture<MetricsHubFixture>
{
    public const string Name = "metrics";
}

/// <summary>
/// The common hub plus DeepSeek (on the same fake upstream) listing two models no other test uses: model labels are
/// only names the hub lists, so these are the names the metrics tests can count without other hubs' calls mixed in.
/// </summary>
public sealed class MetricsHubFixture : HubFixture
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings(FakeOpenAIUpstream upstream) =>
    [
        new("Providers:DeepSeek:BaseUrl", upstream.BaseUrl),
        new("Providers:DeepSeek:ApiKey", UpstreamApiKey),
        new("Providers:DeepSeek:Models:0", "metrics-probe-ok"),
        new("Providers:DeepSeek:Models:1", "metrics-probe-refused"),
    ];
}
