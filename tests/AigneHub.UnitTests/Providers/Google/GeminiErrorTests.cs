using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Google;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Google;

/// <summary>How Gemini's failures become <see cref="UpstreamException"/>s, non-streamed and streamed alike.</summary>
public sealed class GeminiErrorTests : IAsyncLifetime
{
    private static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(10);

    private FakeGeminiUpstream _upstream = null!;
    private GeminiHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeGeminiUpstream.StartAsync();
        _harness = GeminiHarness.Create(_upstream.BaseUrl);
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

        var error = await _harness.FailureAsync(stream);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.Equal($"The google provider refused the hub's credential (HTTP {status}).", error.Message);
        Assert.Equal(status, error.UpstreamStatus);
        Assert.Equal("google", error.Provider);
        Assert.True(error.IsRetryable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Invalid_api_key_reported_as_a_bad_request_is_upstream_auth(bool stream)
    {
        _upstream.FailWithInvalidApiKey();

        var error = await _harness.FailureAsync(stream);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.Equal("The google provider refused the hub's credential (HTTP 400).", error.Message);
        Assert.Equal(400, error.UpstreamStatus);
    }

    [Fact]
    public async Task Expired_key_is_upstream_auth_too()
    {
        _upstream.FailWithInvalidApiKey("API key expired. Please renew the API key.");

        var error = await _harness.FailureAsync(stream: false);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
    }

    [Fact]
    public async Task Wrong_key_as_gemini_reports_it_is_upstream_auth()
    {
        _upstream.RequiredApiKey = "AIzaSyTheRightKey_0123456789abcdefghij";

        var error = await _harness.FailureAsync(stream: true);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
        Assert.Equal(400, error.UpstreamStatus);
    }

    [Fact]
    public async Task Invalid_key_reason_without_its_type_url_is_still_recognised()
    {
        await using var harness = Stubbed(() => Error(
            400,
            """{"error":{"code":400,"message":"API Key not found. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"""));

        var error = await harness.FailureAsync(stream: false);

        Assert.Equal(ErrorKind.UpstreamAuth, error.Kind);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rate_limit_is_reported_with_the_retry_delay_gemini_asks_for(bool stream)
    {
        _upstream.Fail(429, retryDelay: TimeSpan.FromSeconds(22));

        var error = await _harness.FailureAsync(stream);

        Assert.Equal(ErrorKind.UpstreamRateLimited, error.Kind);
        Assert.Equal("The google provider rate-limited the call (HTTP 429).", error.Message);
        Assert.Equal(429, error.UpstreamStatus);
        Assert.Equal(TimeSpan.FromSeconds(22), error.RetryAfter);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task Rate_limit_retry_delay_may_have_a_fraction_of_a_second()
    {
        _upstream.Fail(429, retryDelay: TimeSpan.FromMilliseconds(10_689));

        var error = await _harness.FailureAsync(stream: false);

        Assert.Equal(TimeSpan.FromMilliseconds(10_689), error.RetryAfter);
    }

    [Fact]
    public async Task Rate_limit_retry_after_header_is_preferred_to_the_retry_delay()
    {
        _upstream.Fail(429, retryAfter: TimeSpan.FromSeconds(7), retryDelay: TimeSpan.FromSeconds(30));

        var error = await _harness.FailureAsync(stream: true);

        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public async Task Rate_limit_without_any_hint_has_no_retry_after()
    {
        _upstream.Fail(429);

        var error = await _harness.FailureAsync(stream: false);

        Assert.Equal(ErrorKind.UpstreamRateLimited, error.Kind);
        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public async Task Rate_limit_retry_after_as_an_http_date_is_measured_from_now()
    {
        var now = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        await using var harness = Stubbed(
            () =>
            {
                var response = Error(429, """{"error":{"code":429,"message":"slow down","status":"RESOURCE_EXHAUSTED"}}""");
                response.Headers.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(42));
                return response;
            },
            new ManualClock(now));

        var error = await harness.FailureAsync(stream: false);

        Assert.Equal(TimeSpan.FromSeconds(42), error.RetryAfter);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rejected_request_carries_gemini_message_without_secrets(bool stream)
    {
        _upstream.Fail(
            400,
            $"Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\"; key {GeminiHarness.ApiKey}, other AIzaSyAnotherKey0123456789abcdefghijklm, token Bearer ya29.a0AfH6SMBx.");

        var error = await _harness.FailureAsync(stream);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal(400, error.UpstreamStatus);
        Assert.False(error.IsRetryable);
        Assert.StartsWith("The google provider rejected the request: Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\"; key ****", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(GeminiHarness.ApiKey, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AIzaSyAnotherKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ya29.a0AfH6SMBx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_model_is_rejected_with_gemini_explanation()
    {
        _upstream.Fail(404);

        var error = await _harness.FailureAsync(stream: false, GeminiHarness.Hello("gemini-9-imaginary"));

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal(404, error.UpstreamStatus);
        Assert.StartsWith("The google provider rejected the request: models/gemini-9-imaginary is not found for API version v1beta", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_gemini_finds_invalid_is_rejected_with_its_explanation()
    {
        await using var harness = Stubbed(() => Error(
            400,
            """{"error":{"code":400,"message":"Please use a valid role: user, model.","status":"INVALID_ARGUMENT"}}"""));

        var error = await harness.FailureAsync(stream: true);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The google provider rejected the request: Please use a valid role: user, model.", error.Message);
    }

    [Theory]
    [InlineData(409)]
    [InlineData(413)]
    [InlineData(422)]
    public async Task Other_client_errors_are_reported_as_rejected(int status)
    {
        _upstream.Fail(status, "The request cannot be served as sent.");

        var error = await _harness.FailureAsync(stream: false);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The google provider rejected the request: The request cannot be served as sent.", error.Message);
    }

    [Fact]
    public async Task Rejection_with_a_body_that_is_not_an_envelope_is_not_quoted()
    {
        _upstream.RespondRaw(400, "text/html", "<html><body>Bad request from proxy, key AIzaSyLeaked0123456789abcdefghijklmno</body></html>");

        var error = await _harness.FailureAsync(stream: false);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The google provider rejected the request (HTTP 400).", error.Message);
    }

    [Theory]
    [InlineData(500, false)]
    [InlineData(500, true)]
    [InlineData(502, false)]
    [InlineData(503, true)]
    [InlineData(504, false)]
    [InlineData(504, true)]
    [InlineData(408, false)]
    public async Task Server_errors_are_reported_as_unavailable(int status, bool stream)
    {
        _upstream.Fail(status, $"Something broke near {GeminiHarness.ApiKey}");

        var error = await _harness.FailureAsync(stream);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal($"The google provider failed (HTTP {status}).", error.Message);
        Assert.Equal(status, error.UpstreamStatus);
        Assert.True(error.IsRetryable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redirect_is_not_followed_so_the_key_never_reaches_another_host(bool stream)
    {
        await using var elsewhere = await FakeGeminiUpstream.StartAsync();
        _upstream.RespondRaw(
            307,
            "text/plain",
            string.Empty,
            new Dictionary<string, string> { ["Location"] = elsewhere.BaseUrl + "/v1beta/models/gemini-2.5-flash:generateContent" });

        var error = await _harness.FailureAsync(stream);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal(307, error.UpstreamStatus);
        Assert.Equal(0, elsewhere.RequestCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Refused_connection_is_reported_as_unavailable(bool stream)
    {
        await using var harness = GeminiHarness.Create($"http://127.0.0.1:{UnusedPort()}");

        var error = await harness.FailureAsync(stream);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The google provider could not be reached.", error.Message);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upstream_that_never_answers_times_out_and_is_hung_up_on(bool stream)
    {
        await using var harness = GeminiHarness.Create(_upstream.BaseUrl, timeoutSeconds: 1);
        _upstream.Hang();

        var error = await harness.FailureAsync(stream);

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Equal("The google provider did not answer within 1 s.", error.Message);
        Assert.True(error.IsRetryable);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Caller_cancellation_is_a_cancellation_and_aborts_the_upstream_call(bool stream)
    {
        _upstream.Hang();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            if (stream)
            {
                await _harness.StreamAsync(cancellationToken: cancellation.Token).ToListAsync();
            }
            else
            {
                await _harness.CompleteAsync(cancellationToken: cancellation.Token);
            }
        });

        Assert.Equal(cancellation.Token, error.CancellationToken);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Api_key_never_appears_in_an_exception_or_a_log_line(int status)
    {
        _upstream.Fail(status, $"Key {GeminiHarness.ApiKey} was used; x-goog-api-key: {GeminiHarness.ApiKey}");

        foreach (var stream in new[] { false, true })
        {
            var error = await _harness.FailureAsync(stream);

            Assert.DoesNotContain(GeminiHarness.ApiKey, error.ToString(), StringComparison.Ordinal);
        }

        Assert.NotEmpty(_harness.Logs.Lines);
        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains(GeminiHarness.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Api_key_never_appears_when_the_key_is_invalid_the_upstream_is_unreachable_or_slow()
    {
        await using var refused = GeminiHarness.Create($"http://127.0.0.1:{UnusedPort()}");
        await using var slow = GeminiHarness.Create(_upstream.BaseUrl, timeoutSeconds: 1);
        var errors = new List<UpstreamException>();

        _upstream.RequiredApiKey = "AIzaSyTheRightKey_0123456789abcdefghij";
        errors.Add(await _harness.FailureAsync(stream: false));
        errors.Add(await refused.FailureAsync(stream: false));
        _upstream.Hang();
        errors.Add(await slow.FailureAsync(stream: true));

        Assert.All(errors, error => Assert.DoesNotContain(GeminiHarness.ApiKey, error.ToString(), StringComparison.Ordinal));
        var lines = _harness.Logs.Lines.Concat(refused.Logs.Lines).Concat(slow.Logs.Lines).ToList();
        Assert.DoesNotContain(lines, line => line.Contains(GeminiHarness.ApiKey, StringComparison.Ordinal));
    }

    private static GeminiHarness Stubbed(Func<HttpResponseMessage> respond, TimeProvider? time = null) =>
        GeminiHarness.Create(GeminiAdapterOptions.DefaultBaseUrl, time: time, handler: new StubHttpMessageHandler(_ => respond()));

    private static HttpResponseMessage Error(int status, string body) => new((HttpStatusCode)status)
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
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
