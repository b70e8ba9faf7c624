using System.Net;
using System.Text;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;
using AigneHub.UnitTests.Providers.ServerSentEvents;

namespace AigneHub.UnitTests.Providers.OpenAI;

public sealed class OpenAIChatStreamingTests : IAsyncLifetime
{
    private static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(10);

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

    [Fact]
    public async Task Streaming_yields_role_then_content_pieces_then_finish_reason()
    {
        _upstream.ResponseModel = "gpt-4o-mini-2024-07-18";
        _upstream.ReplyStream("Hel", "lo", " world");

        var updates = await _harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        Assert.Equal(
            [("assistant", string.Empty, null), (null, "Hel", null), (null, "lo", null), (null, " world", null), (null, null, "stop")],
            updates.Take(5).Select(u => (u.Role, u.ContentDelta, u.FinishReason)));
        Assert.All(updates, u => Assert.Equal("openai/gpt-4o-mini-2024-07-18", u.Model));
        Assert.All(updates, u => Assert.StartsWith("chatcmpl-", u.Id, StringComparison.Ordinal));
        Assert.All(updates, u => Assert.Equal(FakeOpenAIUpstream.Fingerprint, u.SystemFingerprint));
        Assert.All(updates.Take(5), u => Assert.Null(u.Usage));
    }

    [Fact]
    public async Task Streaming_usage_chunk_is_reported_as_usage()
    {
        _upstream.ReplyStream(["a", "b"], new FakeUsage(PromptTokens: 30, CompletionTokens: 2, CachedTokens: 16));

        var updates = await _harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        var last = updates[^1];
        Assert.Equal(new TokenUsage(30, 2, 16), last.Usage);
        Assert.Null(last.ContentDelta);
        Assert.Null(last.FinishReason);
        Assert.Single(updates, u => u.Usage is not null);
    }

    [Fact]
    public async Task Streamed_updates_share_one_model_and_id_string()
    {
        _upstream.ReplyStream("one", "two", "three");

        var updates = await _harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        Assert.All(updates, u => Assert.Same(updates[0].Model, u.Model));
        Assert.All(updates, u => Assert.Same(updates[0].Id, u.Id));
    }

    [Fact]
    public async Task Stream_that_ends_without_done_or_finish_reason_fails_as_ended_early()
    {
        _upstream.TruncateStream("partial");
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in _harness.StreamAsync(Requests.Hello(), CancellationToken.None))
            {
                updates.Add(update);
            }
        });

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.EndsWith("ended early.", error.Message, StringComparison.Ordinal);
        Assert.Equal("partial", updates[^1].ContentDelta);
    }

    [Fact]
    public async Task Stream_with_a_finish_reason_but_no_done_marker_completes()
    {
        await using var harness = StubbedHarness(
            "data: {\"id\":\"c1\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"c1\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n",
            bytesPerRead: 16,
            out _);

        var updates = await harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        Assert.Equal(2, updates.Count);
        Assert.Equal("stop", updates[1].FinishReason);
        Assert.Equal(new TokenUsage(3, 1), updates[1].Usage);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(50)]
    public async Task Stream_split_across_reads_with_crlf_and_comments_is_read_whole(int bytesPerRead)
    {
        await using var harness = StubbedHarness(
            ": OPENROUTER PROCESSING\r\n\r\n" +
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\r\n\r\n" +
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"你好 🌍\"},\"finish_reason\":null}],\"usage\":null}\r\n\r\n" +
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\r\n\r\n" +
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\r\n\r\n" +
            "data: [DONE]\r\n\r\n",
            bytesPerRead,
            out _);

        var updates = await harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        Assert.Equal(["", "你好 🌍", null, null], updates.Select(u => u.ContentDelta));
        Assert.Equal(new TokenUsage(9, 2, 4), updates[^1].Usage);
        Assert.All(updates, u => Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), u.Created));
        Assert.All(updates, u => Assert.Equal("openai/gpt-4o", u.Model));
    }

    [Fact]
    public async Task Only_the_first_choice_is_relayed_when_several_are_streamed()
    {
        await using var harness = StubbedHarness(
            "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"second\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"first\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
            "data: [DONE]\n\n",
            bytesPerRead: 4096,
            out _);

        var updates = await harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync();

        Assert.Equal(["first", null], updates.Select(u => u.ContentDelta));
    }

    [Fact]
    public async Task Malformed_chunk_fails_the_stream_as_unavailable()
    {
        await using var harness = StubbedHarness("data: {\"id\":\"c\",\"choices\":[{\"delta\":\n\ndata: [DONE]\n\n", 4096, out _);

        var error = await Assert.ThrowsAsync<UpstreamException>(
            async () => await harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync());

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The openai provider sent a malformed stream event.", error.Message);
    }

    [Fact]
    public async Task Error_event_mid_stream_fails_the_stream_without_the_secret_it_quotes()
    {
        await using var harness = StubbedHarness(
            "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":null}]}\n\n" +
            "data: {\"error\":{\"message\":\"Internal failure for key sk-proj-abcdef1234567890XYZ\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n",
            4096,
            out _);

        var error = await Assert.ThrowsAsync<UpstreamException>(
            async () => await harness.StreamAsync(Requests.Hello(), CancellationToken.None).ToListAsync());

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.StartsWith("The openai provider failed mid-stream: Internal failure", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdef1234567890", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Caller_cancellation_mid_stream_aborts_the_upstream_request()
    {
        _upstream.ReplyStream(["one ", "two ", "three"], usage: null, delayBetweenPieces: TimeSpan.FromSeconds(30));
        using var cancellation = new CancellationTokenSource();
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in _harness.StreamAsync(Requests.Hello(), cancellation.Token))
            {
                updates.Add(update);
                if (update.ContentDelta == "one ")
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.Equal(cancellation.Token, error.CancellationToken);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
        Assert.Equal(1, _upstream.AbortedRequestCount);
    }

    [Fact]
    public async Task Caller_cancellation_while_waiting_for_the_next_piece_aborts_the_upstream_request()
    {
        _upstream.ReplyStream(["one ", "two "], usage: null, delayBetweenPieces: TimeSpan.FromSeconds(30));
        using var cancellation = new CancellationTokenSource();
        await using var stream = _harness.StreamAsync(Requests.Hello(), cancellation.Token).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        Assert.True(await stream.MoveNextAsync());

        var pending = stream.MoveNextAsync().AsTask();
        await Task.Delay(100);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Fact]
    public async Task Disposing_the_stream_early_aborts_the_upstream_request()
    {
        _upstream.StallStream("one ", "two ");
        var stream = _harness.StreamAsync(Requests.Hello(), CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        await stream.DisposeAsync();

        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Fact]
    public async Task Disposing_the_stream_early_disposes_the_response()
    {
        await using var harness = StubbedHarness(
            "data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
            4096,
            out var body,
            hangAtEnd: true);
        var stream = harness.StreamAsync(Requests.Hello(), CancellationToken.None).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        await stream.DisposeAsync();

        Assert.True(body.IsDisposed);
    }

    [Fact]
    public async Task Stalled_stream_fails_as_timeout_and_closes_the_upstream_connection()
    {
        await using var harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["Providers:Http:StreamIdleTimeoutSeconds"] = "1" });
        _upstream.StallStream("one ");
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in harness.StreamAsync(Requests.Hello(), CancellationToken.None))
            {
                updates.Add(update);
            }
        });

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Equal("The openai provider's stream stalled for more than 1 s.", error.Message);
        Assert.Equal(2, updates.Count);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Fact]
    public async Task Slow_consumer_is_not_taken_for_a_stalled_stream()
    {
        await using var harness = OpenAIAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["Providers:Http:StreamIdleTimeoutSeconds"] = "1" });
        _upstream.ReplyStream("one ", "two");
        var updates = new List<ChatCompletionUpdate>();

        await foreach (var update in harness.StreamAsync(Requests.Hello(), CancellationToken.None))
        {
            updates.Add(update);
            if (updates.Count == 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1500));
            }
        }

        Assert.Equal("stop", updates[^2].FinishReason);
        Assert.NotNull(updates[^1].Usage);
    }

    private static OpenAIAdapterHarness StubbedHarness(string body, int bytesPerRead, out ChunkedReadStream stream, bool hangAtEnd = false)
    {
        var content = ChunkedReadStream.Split(Encoding.UTF8.GetBytes(body), bytesPerRead, hangAtEnd);
        stream = content;
        var handler = new StubHttpMessageHandler(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(content) };
            response.Content.Headers.ContentType = new("text/event-stream");
            return response;
        });
        return OpenAIAdapterHarness.Create("https://api.openai.test/v1", handler: handler);
    }
}
