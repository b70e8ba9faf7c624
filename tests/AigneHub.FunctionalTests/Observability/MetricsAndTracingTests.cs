using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace AigneHub.FunctionalTests.Observability;

[Collection(HubCollection.Name)]
public sealed class MetricsAndTracingTests(HubFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "measure me" }];

    [Fact]
    public async Task Scrape_counts_the_calls_their_durations_tokens_and_upstream_errors_with_their_labels()
    {
        hub.Upstream.Reset();
        var before = await ScrapeAsync();

        // Two successful demo calls (one streamed) and one call the provider refuses.
        var unary = await CallAsync(new { model = "demo/echo", messages = Hello });
        var streamed = await CallAsync(new { model = "demo/echo", messages = Hello, stream = true });
        hub.Upstream.Fail(401, "bad key");
        var failed = await CallAsync(new { model = "openai/gpt-4o-mini", messages = Hello });

        var unaryRecord = await hub.WaitForCallRecordAsync(unary);
        await hub.WaitForCallRecordAsync(streamed);
        var failedRecord = await hub.WaitForCallRecordAsync(failed);
        var provider = unaryRecord.GetProperty("provider").GetString()!;
        var model = unaryRecord.GetProperty("model").GetString()!;
        var errorKind = failedRecord.GetProperty("error_kind").GetString()!;
        Assert.Equal("upstream_auth", errorKind);

        var after = await ScrapeAsync();
        string[] demoUnary = [$"provider=\"{provider}\"", $"model=\"{model}\"", "call_type=\"chat\"", "status=\"succeeded\"", "streamed=\"false\""];
        string[] demoStreamed = [$"provider=\"{provider}\"", $"model=\"{model}\"", "call_type=\"chat\"", "status=\"succeeded\"", "streamed=\"true\""];
        string[] openAIFailed = ["provider=\"openai\"", "model=\"gpt-4o-mini\"", "status=\"failed\"", "error_kind=\"upstream_auth\""];

        Assert.True(1 == Delta(before, after, "aignehub_calls_total", [.. demoUnary, "error_kind=\"none\""]), after);
        Assert.True(1 == Delta(before, after, "aignehub_calls_total", [.. demoStreamed, "error_kind=\"none\""]), after);
        Assert.True(1 == Delta(before, after, "aignehub_calls_total", openAIFailed), after);
        Assert.True(1 == Delta(before, after, "aignehub_call_duration_seconds_count", demoUnary), after);
        Assert.True(1 == Delta(before, after, "aignehub_call_duration_seconds_count", demoStreamed), after);
        Assert.True(1 == Delta(before, after, "aignehub_upstream_errors_total", ["provider=\"openai\"", "error_kind=\"upstream_auth\""]), after);

        var promptTokens = unaryRecord.GetProperty("prompt_tokens").GetInt32();
        Assert.True(promptTokens > 0);
        Assert.True(promptTokens * 2 == Delta(before, after, "aignehub_tokens_total", [$"provider=\"{provider}\"", $"model=\"{model}\"", "token_type=\"prompt\""]), after);

        // Both demo streams are closed again.
        Assert.True(0 == Delta(before, after, "aignehub_streams_active", ["surface=\"openai\""]), after);

        // The edge and the provider call are measured by the standard instrumentation too.
        Assert.Contains("http_server_request_duration_seconds_count", after, StringComparison.Ordinal);
        Assert.Contains("http_client_request_duration_seconds_count", after, StringComparison.Ordinal);
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
