using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Observability;

[Collection(MetricsCollection.Name)]
public sealed class MetricsAndTracingTests(HubFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "measure me" }];

    [Fact]
    public async Task Scrape_counts_the_calls_their_durations_tokens_and_upstream_errors_with_their_labels()
    {
        // Model names no other test uses: other collections run their own hubs in this process at the same time,
        // and an OpenTelemetry meter provider listens to every meter of the process named "AigneHub".
        hub.Upstream.Reset();
        var before = await ScrapeAsync();

        // Two successful calls (one streamed) and one call the provider refuses.
        hub.Upstream.Reply("ok", new FakeUsage(13, 2));
        var unary = await CallAsync(new { model = "openai/metrics-probe-ok", messages = Hello });
        hub.Upstream.ReplyStream(["o", "k"], new FakeUsage(13, 2));
        var streamed = await CallAsync(new { model = "openai/metrics-probe-ok", messages = Hello, stream = true, stream_options = new { include_usage = true } });
        hub.Upstream.Fail(401, "bad key");
        var failed = await CallAsync(new { model = "openai/metrics-probe-refused", messages = Hello });

        var unaryRecord = await hub.WaitForCallRecordAsync(unary);
        var streamedRecord = await hub.WaitForCallRecordAsync(streamed);
        var failedRecord = await hub.WaitForCallRecordAsync(failed);
        Assert.Equal("upstream_auth", failedRecord.GetProperty("error_kind").GetString());
        var model = unaryRecord.GetProperty("model").GetString()!;

        var after = await ScrapeAsync();
        string[] okUnary = ["provider=\"openai\"", $"model=\"{model}\"", "call_type=\"chat\"", "status=\"succeeded\"", "streamed=\"false\""];
        string[] okStreamed = ["provider=\"openai\"", $"model=\"{model}\"", "call_type=\"chat\"", "status=\"succeeded\"", "streamed=\"true\""];
        string[] refused = ["provider=\"openai\"", "model=\"metrics-probe-refused\"", "status=\"failed\"", "error_kind=\"upstream_auth\""];

        Assert.True(1 == Delta(before, after, "aignehub_calls_total", [.. okUnary, "error_kind=\"none\""]), after);
        Assert.True(1 == Delta(before, after, "aignehub_calls_total", [.. okStreamed, "error_kind=\"none\""]), after);
        Assert.True(1 == Delta(before, after, "aignehub_calls_total", refused), after);
        Assert.True(1 == Delta(before, after, "aignehub_call_duration_seconds_count", okUnary), after);
        Assert.True(1 == Delta(before, after, "aignehub_call_duration_seconds_count", okStreamed), after);
        Assert.True(1 == Delta(before, after, "aignehub_call_ttfb_seconds_count", okStreamed), after);

        var prompt = unaryRecord.GetProperty("prompt_tokens").GetInt32() + streamedRecord.GetProperty("prompt_tokens").GetInt32();
        var completion = unaryRecord.GetProperty("completion_tokens").GetInt32() + streamedRecord.GetProperty("completion_tokens").GetInt32();
        Assert.Equal(26, prompt);
        Assert.True(prompt == Delta(before, after, "aignehub_tokens_total", ["provider=\"openai\"", $"model=\"{model}\"", "token_type=\"prompt\""]), after);
        Assert.True(completion == Delta(before, after, "aignehub_tokens_total", ["provider=\"openai\"", $"model=\"{model}\"", "token_type=\"completion\""]), after);
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
public sealed class MetricsCollection : ICollectionFixture<HubFixture>
{
    public const string Name = "metrics";
}
