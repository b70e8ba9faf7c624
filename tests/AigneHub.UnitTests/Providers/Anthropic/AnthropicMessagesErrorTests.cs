using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Anthropic;

/// <summary>How Anthropic's error statuses and transport failures become <see cref="UpstreamException"/>s, streamed or not.</summary>
public sealed class AnthropicMessagesErrorTests : IAsyncLifetime
{
    private FakeAnthropicUpstream _upstream = null!;
    private AnthropicAdapterHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeAnthropicUpstream.StartAsync();
        _harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl);
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
        _upstream.Fail(status);

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.Equal($"The anthropic provider refused the hub's credential (HTTP {status}).", error.Message);
        Assert.Equal(status, error.UpstreamStatus);
        Assert.Equal("anthropic", error.Provider);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task Wrong_key_as_anthropic_reports_it_is_upstream_auth()
    {
        _upstream.RequiredApiKey = "sk-ant-api03-the-right-key-0123456789";

        var error = await CallAsync(_harness, stream: false);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.Equal(401, error.UpstreamStatus);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rate_limit_is_reported_with_retry_after_seconds(bool stream)
    {
        _upstream.Fail(429, retryAfter: TimeSpan.FromSeconds(7));

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamRateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
        Assert.Equal(429, error.UpstreamStatus);
        Assert.Equal("The anthropic provider rate-limited the call (HTTP 429).", error.Message);
        Assert.True(error.IsRetryable);
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
                var response = ErrorResponse(429, "rate_limit_error", "slow down");
                response.Headers.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(42));
                return response;
            },
            new ManualClock(now));

        var error = await CallAsync(harness, stream: false);

        Assert.Equal(TimeSpan.FromSeconds(42), error.RetryAfter);
    }

    [Theory]
    [InlineData(400, false)]
    [InlineData(400, true)]
    [InlineData(404, false)]
    [InlineData(413, true)]
    [InlineData(422, false)]
    public async Task Rejected_request_carries_anthropics_error_message(int status, bool stream)
    {
        _upstream.Fail(status, "messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'");

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal(status, error.UpstreamStatus);
        Assert.False(error.IsRetryable);
        Assert.Equal(
            "The anthropic provider rejected the request: messages.0.content.0.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
            error.Message);
    }

    [Fact]
    public async Task Missing_model_is_rejected_with_anthropics_not_found_message()
    {
        _upstream.Fail(404);

        var error = await CallAsync(_harness, stream: false);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The anthropic provider rejected the request: model: claude-imaginary", error.Message);
    }

    [Fact]
    public async Task Rejected_request_message_is_scrubbed_of_secrets()
    {
        _upstream.Fail(
            400,
            "Invalid key sk-ant-api03-abcdef1234567890abcdef1234567890 in metadata; header was Bearer tok.en-123 and signature 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.");

        var error = await CallAsync(_harness, stream: false);

        Assert.StartsWith("The anthropic provider rejected the request: Invalid key ****", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdef1234567890", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok.en-123", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("9f86d081884c7d659a2feaa0c55ad015", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejected_request_with_an_overlong_message_is_cut_short()
    {
        _upstream.Fail(400, "Too long. " + string.Concat(Enumerable.Repeat("This is a sentence. ", 200)));

        var error = await CallAsync(_harness, stream: false);

        Assert.InRange(error.Message.Length, 400, 501);
        Assert.EndsWith("…", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rejected_request_with_a_body_that_is_not_the_envelope_is_not_quoted(bool stream)
    {
        _upstream.RespondRaw(413, "text/html", "<html><body>413 Request Entity Too Large (cloudflare) sk-ant-abcdef1234567890</body></html>");

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The anthropic provider rejected the request (HTTP 413).", error.Message);
    }

    [Theory]
    [InlineData(500, false)]
    [InlineData(500, true)]
    [InlineData(502, false)]
    [InlineData(503, true)]
    [InlineData(402, false)]
    [InlineData(418, false)]
    public async Task Server_errors_and_unexpected_statuses_are_reported_as_unavailable(int status, bool stream)
    {
        _upstream.Fail(status, "Something broke near sk-ant-abcdef1234567890");

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal($"The anthropic provider failed (HTTP {status}).", error.Message);
        Assert.Equal(status, error.UpstreamStatus);
        Assert.True(error.IsRetryable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Overloaded_status_is_reported_as_unavailable(bool stream)
    {
        _upstream.Fail(529);

        var error = await CallAsync(_harness, stream);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The anthropic provider is overloaded (HTTP 529).", error.Message);
        Assert.Equal(529, error.UpstreamStatus);
        Assert.True(error.IsRetryable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Refused_connection_is_reported_as_unavailable(bool stream)
    {
        await using var harness = AnthropicAdapterHarness.Create($"http://127.0.0.1:{UnusedPort()}");

        var error = await CallAsync(harness, stream);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The anthropic provider could not be reached.", error.Message);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upstream_that_never_answers_times_out_and_is_abandoned(bool stream)
    {
        await using var harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["TimeoutSeconds"] = "1" });
        _upstream.Hang();

        var error = await CallAsync(harness, stream);

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Equal("The anthropic provider did not answer within 1 s.", error.Message);
        Assert.True(error.IsRetryable);
        await _upstream.ClientAborted.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Caller_cancellation_is_a_cancellation_and_aborts_the_upstream_request(bool stream)
    {
        _upstream.Hang();
        using var cancellation = new CancellationTokenSource();
        Task call = stream
            ? _harness.StreamAsync(AnthropicAdapterHarness.Hello(), cancellation.Token).ToListAsync().AsTask()
            : _harness.CompleteAsync(AnthropicAdapterHarness.Hello(), cancellation.Token);

        // Cancelled once the upstream holds the request, so that there is a request to abort.
        await WaitUntilAsync(() => _upstream.RequestCount == 1);
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(cancellation.Token, error.CancellationToken);
        await _upstream.ClientAborted.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(529)]
    public async Task Api_key_never_appears_in_an_exception_or_a_log_line(int status)
    {
        _upstream.Fail(status, $"invalid x-api-key: {AnthropicAdapterHarness.ApiKey}. Bearer {AnthropicAdapterHarness.ApiKey}");

        foreach (var stream in new[] { false, true })
        {
            var error = await CallAsync(_harness, stream);

            Assert.DoesNotContain(AnthropicAdapterHarness.ApiKey, error.ToString(), StringComparison.Ordinal);
        }

        Assert.NotEmpty(_harness.Logs.Lines);
        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains(AnthropicAdapterHarness.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Api_key_never_appears_when_the_upstream_cannot_be_reached_times_out_or_fails_mid_stream()
    {
        await using var refused = AnthropicAdapterHarness.Create($"http://127.0.0.1:{UnusedPort()}");
        await using var slow = AnthropicAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["TimeoutSeconds"] = "1" });
        _upstream.Hang();
        var errors = new List<UpstreamException> { await CallAsync(refused, stream: false), await CallAsync(slow, stream: true) };
        _upstream.FailMidStream("invalid_request_error", $"bad key {AnthropicAdapterHarness.ApiKey}", "partial");
        errors.Add(await Assert.ThrowsAsync<UpstreamException>(async () => await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync()));

        Assert.All(errors, error => Assert.DoesNotContain(AnthropicAdapterHarness.ApiKey, error.ToString(), StringComparison.Ordinal));
        var lines = refused.Logs.Lines.Concat(slow.Logs.Lines).Concat(_harness.Logs.Lines).ToList();
        Assert.DoesNotContain(lines, line => line.Contains(AnthropicAdapterHarness.ApiKey, StringComparison.Ordinal));
    }

    private static Task<UpstreamException> CallAsync(AnthropicAdapterHarness harness, bool stream) => harness.FailureAsync(stream);

    private static AnthropicAdapterHarness StubbedHarness(Func<HttpResponseMessage> respond, TimeProvider? time = null) =>
        AnthropicAdapterHarness.Create("https://api.anthropic.test", handler: new StubHttpMessageHandler(_ => respond()), time: time);

    private static HttpResponseMessage ErrorResponse(int status, string type, string message) => new((HttpStatusCode)status)
    {
        Content = new StringContent(
            $$$"""{"type":"error","error":{"type":"{{{type}}}","message":"{{{message}}}"},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}""",
            Encoding.UTF8,
            "application/json"),
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, limit.Token);
        }
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
