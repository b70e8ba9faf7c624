using System.Net;
using System.Text;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Http;
using AigneHub.Infrastructure.Providers.ServerSentEvents;
using AigneHub.UnitTests.Providers.OpenAI;
using AigneHub.UnitTests.Providers.ServerSentEvents;
using Microsoft.Extensions.Logging;

namespace AigneHub.UnitTests.Providers.Http;

/// <summary>
/// The one HTTP exchange every adapter goes through, on its own: deadlines, the idle limit of a stream, the capped
/// error body, Retry-After, and what a transport failure becomes.
/// </summary>
public sealed class UpstreamTransportTests : IDisposable
{
    private const string Secret = "sk-transport-test-0123456789abcdefghij";

    private static readonly DateTimeOffset Now = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private readonly CapturedLogs _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    public UpstreamTransportTests()
    {
        _loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task A_call_that_outlives_its_deadline_is_an_upstream_timeout_naming_the_limit()
    {
        var transport = Transport(new HangingHandler());

        var error = await Assert.ThrowsAsync<UpstreamException>(() => SendAsync(transport, Call(timeoutSeconds: 1)));

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Equal("The acme provider did not answer within 1 s.", error.Message);
    }

    [Fact]
    public async Task The_callers_cancellation_stays_a_cancellation_and_is_not_taken_for_a_timeout()
    {
        var transport = Transport(new HangingHandler());
        using var caller = new CancellationTokenSource();
        var sending = SendAsync(transport, Call(), caller.Token);

        await caller.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sending);
        Assert.Equal(caller.Token, error.CancellationToken);
    }

    [Fact]
    public async Task A_stream_that_falls_silent_longer_than_the_idle_limit_times_out_after_the_events_it_sent()
    {
        var body = ChunkedReadStream.Split("data: one\n\n", 64, hangAtEnd: true);
        var transport = Transport(new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) }));
        await using var stream = await transport.OpenStreamAsync(
            Call(timeoutSeconds: 100, streamIdleTimeoutSeconds: 1),
            Get,
            Unexpected,
            static b => new ServerSentEventReader(b),
            CancellationToken.None);

        Assert.True(await stream.ReadNextAsync());
        Assert.Equal("one", Encoding.UTF8.GetString(stream.Events.Current.Data.Span));
        var error = await Assert.ThrowsAsync<UpstreamException>(async () => await stream.ReadNextAsync());

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Equal("The acme provider's stream stalled for more than 1 s.", error.Message);
    }

    [Fact]
    public async Task A_stream_whose_answer_is_complete_ends_quietly_at_the_idle_limit()
    {
        var body = ChunkedReadStream.Split("data: done\n\n", 64, hangAtEnd: true);
        var transport = Transport(new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) }));
        await using var stream = await transport.OpenStreamAsync(Call(streamIdleTimeoutSeconds: 1), Get, Unexpected, static b => new ServerSentEventReader(b), CancellationToken.None);

        Assert.True(await stream.ReadNextAsync());
        Assert.False(await stream.ReadNextAsync(answerComplete: true));
    }

    [Fact]
    public async Task Only_the_first_64_KiB_of_an_error_body_reach_the_error_classifier()
    {
        var flood = new byte[1024 * 1024];
        flood.AsSpan().Fill((byte)'x');
        var transport = Transport(new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.BadGateway) { Content = new ByteArrayContent(flood) }));
        var seen = -1;

        var error = await Assert.ThrowsAsync<UpstreamException>(() => transport.OpenStreamAsync(
            Call(),
            Get,
            (response, body) =>
            {
                seen = body.Length;
                return UpstreamFailures.FromStatus(ErrorKind.UpstreamUnavailable, "acme", (int)response.StatusCode, null, null, null);
            },
            static b => new ServerSentEventReader(b),
            CancellationToken.None));

        Assert.Equal(UpstreamTransport.MaxErrorBodyBytes, seen);
        Assert.Equal("The acme provider failed (HTTP 502).", error.Message);
        Assert.Equal(502, error.UpstreamStatus);
    }

    [Theory]
    [InlineData("retry-after-ms", "1500", 1.5)]
    [InlineData("Retry-After", "30", 30)]
    [InlineData("Retry-After", "Mon, 07 Dec 2026 01:02:00 GMT", 120)]
    [InlineData("Retry-After", "Mon, 07 Dec 2026 00:59:00 GMT", 0)]
    [InlineData("Retry-After", "999999999", 86400)]
    public async Task A_rate_limited_answer_says_how_long_to_wait_in_each_form_upstreams_use(string header, string value, double seconds)
    {
        var transport = Transport(new StubHttpMessageHandler(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Content = new StringContent("{}") };
            response.Headers.TryAddWithoutValidation(header, value);
            return response;
        }));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => transport.SendAsync(
            Call(),
            Get,
            (response, _) => UpstreamFailures.FromStatus(ErrorKind.UpstreamRateLimited, "acme", 429, null, null, transport.RetryAfter(response)),
            static (_, body) => body,
            usageOf: null,
            CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamRateLimited, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(seconds), error.RetryAfter);
    }

    [Fact]
    public async Task An_upstream_that_cannot_be_reached_is_unavailable_and_named()
    {
        var transport = Transport(new StubHttpMessageHandler(_ => throw new HttpRequestException("Connection refused (10.0.0.1:443)")));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => SendAsync(transport, Call()));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The acme provider could not be reached.", error.Message);
    }

    [Fact]
    public async Task A_successful_body_the_parser_cannot_read_is_the_upstreams_malformed_answer()
    {
        var transport = Transport(new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") }));

        var error = await Assert.ThrowsAsync<UpstreamException>(() => transport.SendAsync(
            Call(),
            Get,
            Unexpected,
            static (_, _) => new Dictionary<string, int>()["choices"],
            usageOf: null,
            CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The acme provider returned a malformed response.", error.Message);
    }

    [Fact]
    public async Task A_connection_lost_mid_stream_is_a_stream_that_ended_early()
    {
        var transport = Transport(new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new BrokenStream()) }));
        await using var stream = await transport.OpenStreamAsync(Call(), Get, Unexpected, static b => new ServerSentEventReader(b), CancellationToken.None);

        var error = await Assert.ThrowsAsync<UpstreamException>(async () => await stream.ReadNextAsync());

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The acme provider's stream ended early.", error.Message);
    }

    [Fact]
    public async Task The_log_line_of_a_failed_call_names_provider_status_and_credential_but_never_the_secret()
    {
        var transport = Transport(new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.Unauthorized) { Content = new StringContent("{}") }));

        await Assert.ThrowsAsync<UpstreamException>(() => transport.SendAsync(
            Call(),
            Get,
            (_, _) => new UpstreamFailure(
                UpstreamFailures.FromStatus(ErrorKind.UpstreamAuth, "acme", 401, null, Secret, null),
                ErrorType: "invalid key " + Secret),
            static (_, body) => body,
            usageOf: null,
            CancellationToken.None));

        var line = Assert.Single(_logs.Lines, l => l.Contains("HTTP 401", StringComparison.Ordinal));
        Assert.Contains("acme", line, StringComparison.Ordinal);
        Assert.Contains("cred-1", line, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, string.Concat(_logs.Lines), StringComparison.Ordinal);
    }

    private static UpstreamCall Call(int timeoutSeconds = 100, int streamIdleTimeoutSeconds = 60) =>
        new("transport-test", "acme", "acme/model-1", "cred-1", Secret, new ProviderHttpOptions { TimeoutSeconds = timeoutSeconds, StreamIdleTimeoutSeconds = streamIdleTimeoutSeconds });

    private static HttpRequestMessage Get() => new(HttpMethod.Get, "http://upstream.test/v1/anything");

    private static UpstreamFailure Unexpected(HttpResponseMessage response, byte[] body) =>
        throw new InvalidOperationException($"No error answer was expected (HTTP {(int)response.StatusCode}).");

    private static Task<byte[]> SendAsync(UpstreamTransport transport, UpstreamCall call, CancellationToken cancellationToken = default) =>
        transport.SendAsync(call, Get, Unexpected, static (_, body) => body, usageOf: null, cancellationToken);

    private UpstreamTransport Transport(HttpMessageHandler handler) =>
        new(new SingleClientFactory(handler), new FixedTime(), _loggerFactory.CreateLogger<UpstreamTransport>());

    private sealed class SingleClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Never answers: only the request's cancellation ends the wait.</summary>
    private sealed class HangingHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    /// <summary>A body whose connection drops at the first read.</summary>
    private sealed class BrokenStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("The response ended prematurely."));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromException<int>(new IOException("The response ended prematurely."));
    }
}
