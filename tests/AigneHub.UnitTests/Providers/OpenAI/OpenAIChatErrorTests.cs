using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.OpenAI;

/// <summary>How upstream failures become <see cref="UpstreamException"/>s, non-streamed and streamed alike.</summary>
public sealed class OpenAIChatErrorTests : IAsyncLifetime
{
    private FakeOpenAIUpstream _upstream = null!;
    private OpenAIAdapterHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAIUpstream.StartAsync();
        _harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Theory]
    [InlineData(401, false)]
    [InlineData(401, true)]
    [InlineData(403, false)]
    [InlineData(403, true)]
    public async Task Refused_credential_is_reported_as_upstream_auth(int status, bool stream)
    {
        _upstream.Fail(status, $"Incorrect API key provided: {OpenAIAdapterHarness.ApiKey}.");

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.Equal($"The openai provider refused the hub's credential (HTTP {status}).", error.Message);
        Assert.Equal(status, error.UpstreamStatus);
        Assert.Equal("openai", error.Provider);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task Wrong_key_as_openai_reports_it_is_upstream_auth()
    {
        _upstream.RequiredApiKey = "sk-the-right-key-0123456789abcdef";

        var error = await CallAsync(_harness, stream: false);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.Equal(401, error.UpstreamStatus);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rate_limit_is_reported_with_retry_after_seconds(bool stream)
    {
        _upstream.Fail(429, "Rate limit reached for gpt-4o-mini.", retryAfter: TimeSpan.FromSeconds(7));

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamRateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.Equal(429, error.UpstreamStatus);
        Assert.Equal("The openai provider rate-limited the call (HTTP 429).", error.Message);
    }

    [Fact]
    public async Task Rate_limit_without_retry_after_has_no_retry_after()
    {
        _upstream.Fail(429);

        var error = await CallAsync(_harness, stream: false);

        Assert.Equal(ErrorKind.UpstreamRateLimited, error.Kind);
        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public async Task Rate_limit_retry_after_as_http_date_is_measured_from_now()
    {
        var now = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        await using var harness = StubbedHarness(
            () =>
            {
                var response = ErrorResponse(429, "slow down");
                response.Headers.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(42));
                return response;
            },
            new ManualClock(now));

        var error = await CallAsync(harness, stream: false);

        Assert.Equal(TimeSpan.FromSeconds(42), error.RetryAfter);
    }

    [Fact]
    public async Task Rate_limit_retry_after_ms_is_preferred_for_its_precision()
    {
        await using var harness = StubbedHarness(() =>
        {
            var response = ErrorResponse(429, "slow down");
            response.Headers.TryAddWithoutValidation("retry-after-ms", "1500");
            response.Headers.TryAddWithoutValidation("retry-after", "2");
            return response;
        });

        var error = await CallAsync(harness, stream: true);

        Assert.Equal(TimeSpan.FromMilliseconds(1500), error.RetryAfter);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rejected_request_carries_the_upstream_message_without_secrets(bool stream)
    {
        _upstream.Fail(
            400,
            "Invalid value for 'user': sk-fake-abcdef1234567890abcdef12 is not allowed; header was Bearer tok.en-123 and signature 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.");

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal(400, error.UpstreamStatus);
        Assert.False(error.IsRetryable);
        Assert.StartsWith("The openai provider rejected the request: Invalid value for 'user': ****", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-fake", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdef1234567890", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok.en-123", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("9f86d081884c7d659a2feaa0c55ad015", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(413)]
    [InlineData(422)]
    public async Task Other_client_errors_are_reported_as_rejected(int status)
    {
        _upstream.Fail(status, "The model `gpt-5-imaginary` does not exist or you do not have access to it.");

        var error = await CallAsync(_harness, stream: false);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The openai provider rejected the request: The model `gpt-5-imaginary` does not exist or you do not have access to it.", error.Message);
    }

    [Fact]
    public async Task Rejected_request_with_an_overlong_message_is_cut_short()
    {
        _upstream.Fail(400, "Too long. " + string.Concat(Enumerable.Repeat("This is a sentence. ", 200)));

        var error = await CallAsync(_harness, stream: false);

        Assert.InRange(error.Message.Length, 400, 501);
        Assert.EndsWith("…", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejected_request_with_a_body_that_is_not_an_envelope_is_not_quoted()
    {
        _upstream.RespondRaw(400, "text/html", "<html><body>Bad request from proxy, token sk-abcdef1234567890</body></html>");

        var error = await CallAsync(_harness, stream: false);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The openai provider rejected the request (HTTP 400).", error.Message);
    }

    [Theory]
    [InlineData(500, false)]
    [InlineData(502, true)]
    [InlineData(503, false)]
    [InlineData(503, true)]
    [InlineData(418, false)]
    public async Task Server_errors_and_unexpected_statuses_are_reported_as_unavailable(int status, bool stream)
    {
        _upstream.Fail(status, "Something broke near sk-abcdef1234567890");

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal($"The openai provider failed (HTTP {status}).", error.Message);
        Assert.Equal(status, error.UpstreamStatus);
        Assert.True(error.IsRetryable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Refused_connection_is_reported_as_unavailable(bool stream)
    {
        await using var harness = OpenAIAdapterHarness.Create($"http://127.0.0.1:{UnusedPort()}/v1");

        var error = await CallAsync(harness, stream);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The openai provider could not be reached.", error.Message);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upstream_that_never_answers_times_out(bool stream)
    {
        await using var harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["Providers:Http:TimeoutSeconds"] = "1" });
        _upstream.Hang();

        var error = await CallAsync(harness, stream);

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Equal("The openai provider did not answer within 1 s.", error.Message);
        await _upstream.ClientAborted.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Caller_cancellation_is_a_cancellation_not_an_upstream_failure(bool stream)
    {
        _upstream.Hang();
        using var cancellation = new CancellationTokenSource();

        var call = Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            if (stream)
            {
                await _harness.StreamAsync(Requests.Hello(), cancellation.Token).ToListAsync();
            }
            else
            {
                await _harness.CompleteAsync(Requests.Hello(), cancellation.Token);
            }
        });

        // The caller gives up once the upstream has the request (a fixed 300 ms could fire before it arrived on a busy
        // machine, and then no upstream ever saw a request to abort: failed once in a full run).
        for (var i = 0; i < 200 && _upstream.Requests.Count == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.NotEmpty(_upstream.Requests);
        await cancellation.CancelAsync();
        var error = await call;

        Assert.Equal(cancellation.Token, error.CancellationToken);
        await _upstream.ClientAborted.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task Api_key_never_appears_in_an_exception_or_a_log_line(int status)
    {
        _upstream.Fail(status, $"Incorrect API key provided: {OpenAIAdapterHarness.ApiKey}. Bearer {OpenAIAdapterHarness.ApiKey}");

        foreach (var stream in new[] { false, true })
        {
            var error = await CallAsync(_harness, stream);

            Assert.DoesNotContain(OpenAIAdapterHarness.ApiKey, error.ToString(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains(OpenAIAdapterHarness.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Api_key_never_appears_when_the_upstream_cannot_be_reached_or_times_out()
    {
        await using var refused = OpenAIAdapterHarness.Create($"http://127.0.0.1:{UnusedPort()}/v1");
        await using var slow = OpenAIAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["Providers:Http:TimeoutSeconds"] = "1" });
        _upstream.Hang();

        var errors = new[] { await CallAsync(refused, stream: false), await CallAsync(slow, stream: true) };

        Assert.All(errors, error => Assert.DoesNotContain(OpenAIAdapterHarness.ApiKey, error.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(refused.Logs.Lines.Concat(slow.Logs.Lines), line => line.Contains(OpenAIAdapterHarness.ApiKey, StringComparison.Ordinal));
    }

    private static Task<UpstreamException> CallAsync(OpenAIAdapterHarness harness, bool stream) => harness.FailureAsync(stream);

    private static OpenAIAdapterHarness StubbedHarness(Func<HttpResponseMessage> respond, TimeProvider? time = null) =>
        OpenAIAdapterHarness.Create("https://api.openai.test/v1", handler: new StubHttpMessageHandler(_ => respond()), time: time);

    private static HttpResponseMessage ErrorResponse(int status, string message) => new((HttpStatusCode)status)
    {
        Content = new StringContent($$$"""{"error":{"message":"{{{message}}}","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", Encoding.UTF8, "application/json"),
    };

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
