using System.Net;
using System.Net.Http.Headers;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Google;
using AigneHub.TestUpstreams;
using AigneHub.UnitTests.Providers.ServerSentEvents;

namespace AigneHub.UnitTests.Providers.Google;

/// <summary>How a stream of GenerateContentResponse events becomes the hub's updates.</summary>
public sealed class GeminiStreamingTests : IAsyncLifetime
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

    [Fact]
    public async Task Stream_yields_role_then_text_pieces_then_finish_reason_then_usage()
    {
        _upstream.ReplyStream(["Hel", "lo", " world"], new FakeGeminiUpstream.UsageMetadata(PromptTokens: 12, CandidatesTokens: 3));

        var updates = await _harness.StreamAsync().ToListAsync();

        Assert.Equal(
            [("assistant", string.Empty, null), (null, "Hel", null), (null, "lo", null), (null, " world", null), (null, null, "stop")],
            updates.Take(5).Select(u => (u.Role, u.ContentDelta, u.FinishReason)));
        Assert.All(updates.Take(5), u => Assert.Null(u.Usage));
        Assert.Equal(6, updates.Count);
        Assert.Equal(new TokenUsage(12, 3), updates[5].Usage);
        Assert.Null(updates[5].ContentDelta);
        Assert.Null(updates[5].FinishReason);
    }

    [Fact]
    public async Task Updates_share_the_response_id_the_creation_time_and_the_hub_model_name()
    {
        _upstream.ModelVersion = "gemini-2.5-flash-001";
        _upstream.ReplyStream("one", "two");

        var updates = await _harness.StreamAsync().ToListAsync();

        Assert.All(updates, u => Assert.StartsWith("fake", u.Id, StringComparison.Ordinal));
        Assert.All(updates, u => Assert.Same(updates[0].Id, u.Id));
        Assert.All(updates, u => Assert.Same(updates[0].Model, u.Model));
        Assert.All(updates, u => Assert.Equal(updates[0].Created, u.Created));
        Assert.Equal("google/gemini-2.5-flash", updates[0].Model);
    }

    [Fact]
    public async Task Usage_is_the_last_reported_with_thinking_counted_as_completion()
    {
        _upstream.ReplyStream(
            ["a", "b", "c"],
            new FakeGeminiUpstream.UsageMetadata(PromptTokens: 40, CandidatesTokens: 3, CachedTokens: 32, ThoughtsTokens: 100),
            thought: "Thinking about letters.");

        var updates = await _harness.StreamAsync().ToListAsync();

        Assert.Single(updates, u => u.Usage is not null);
        Assert.Equal(new TokenUsage(PromptTokens: 40, CompletionTokens: 103, CachedPromptTokens: 32), updates[^1].Usage);
    }

    [Fact]
    public async Task Thought_summaries_are_not_streamed()
    {
        _upstream.ReplyStream(["Par", "is."], usage: null, thought: "**Recalling** capitals.");

        var updates = await _harness.StreamAsync().ToListAsync();

        Assert.Equal("Paris.", string.Concat(updates.Select(u => u.ContentDelta)));
    }

    [Theory]
    [InlineData("MAX_TOKENS", "length")]
    [InlineData("SAFETY", "content_filter")]
    [InlineData("RECITATION", "content_filter")]
    public async Task Finish_reason_of_the_last_chunk_is_relayed_once(string geminiReason, string hubReason)
    {
        _upstream.ReplyStream(["one", " two"], usage: null, finishReason: geminiReason);

        var updates = await _harness.StreamAsync().ToListAsync();

        Assert.Equal(hubReason, Assert.Single(updates, u => u.FinishReason is not null).FinishReason);
    }

    [Fact]
    public async Task Finish_reason_repeated_on_every_chunk_still_comes_once_after_all_the_text()
    {
        _upstream.ReplyStream(["a", "b", "c"], usage: null, finishReasonOnEveryChunk: true);

        var updates = await _harness.StreamAsync().ToListAsync();

        Assert.Equal(["", "a", "b", "c"], updates.Where(u => u.ContentDelta is not null).Select(u => u.ContentDelta));
        var finish = Assert.Single(updates, u => u.FinishReason is not null);
        Assert.Equal(4, updates.IndexOf(finish));
    }

    [Fact]
    public async Task Blocked_prompt_fails_before_any_update()
    {
        _upstream.BlockPrompt("PROHIBITED_CONTENT");

        var error = await _harness.FailureAsync(stream: true);

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal("The google provider blocked the prompt and gave no answer (block reason PROHIBITED_CONTENT).", error.Message);
    }

    [Fact]
    public async Task Stream_that_ends_without_a_finish_reason_fails_as_ended_early()
    {
        _upstream.TruncateStream("partial");
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in _harness.StreamAsync())
            {
                updates.Add(update);
            }
        });

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The google provider's stream ended early.", error.Message);
        Assert.Equal("partial", updates[^1].ContentDelta);
    }

    [Fact]
    public async Task Error_event_mid_stream_fails_the_stream_without_secrets()
    {
        _upstream.FailMidStream(["partial"], $"Internal error for key {GeminiHarness.ApiKey}.");
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in _harness.StreamAsync())
            {
                updates.Add(update);
            }
        });

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The google provider failed mid-answer: Internal error for key ****.", error.Message);
        Assert.Equal("partial", updates[^1].ContentDelta);
    }

    [Fact]
    public async Task Stalled_stream_times_out_and_closes_the_connection()
    {
        await using var harness = GeminiHarness.Create(_upstream.BaseUrl, streamIdleTimeoutSeconds: 1);
        _upstream.StallStream("waiting");

        var error = await Assert.ThrowsAsync<UpstreamException>(async () => await harness.StreamAsync().ToListAsync());

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Equal("The google provider's stream stalled for more than 1 s.", error.Message);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Fact]
    public async Task Stream_left_open_after_the_finish_reason_completes_at_the_idle_timeout()
    {
        await using var harness = GeminiHarness.Create(_upstream.BaseUrl, streamIdleTimeoutSeconds: 1);
        _upstream.StallStreamAfterFinish("done");

        var updates = await harness.StreamAsync().ToListAsync();

        Assert.Equal("stop", updates[^2].FinishReason);
        Assert.NotNull(updates[^1].Usage);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Fact]
    public async Task Slow_consumer_is_not_taken_for_a_stalled_upstream()
    {
        await using var harness = GeminiHarness.Create(_upstream.BaseUrl, streamIdleTimeoutSeconds: 1);
        _upstream.ReplyStream("a", "b", "c");
        var updates = new List<ChatCompletionUpdate>();

        await foreach (var update in harness.StreamAsync())
        {
            updates.Add(update);
            await Task.Delay(TimeSpan.FromMilliseconds(700));
        }

        Assert.Equal("stop", updates[^2].FinishReason);
    }

    [Fact]
    public async Task Consumer_that_stops_early_closes_the_upstream_connection()
    {
        _upstream.ReplyStream(Enumerable.Repeat("word ", 200).ToArray(), usage: null, delayBetweenPieces: TimeSpan.FromMilliseconds(20));

        await foreach (var update in _harness.StreamAsync())
        {
            if (update.ContentDelta is { Length: > 0 })
            {
                break;
            }
        }

        await _upstream.ClientAborted.WaitAsync(AbortWait);
        Assert.Equal(1, _upstream.AbortedRequestCount);
    }

    [Fact]
    public async Task Caller_cancellation_mid_stream_is_a_cancellation_and_closes_the_connection()
    {
        _upstream.ReplyStream(Enumerable.Repeat("word ", 200).ToArray(), usage: null, delayBetweenPieces: TimeSpan.FromMilliseconds(50));
        using var cancellation = new CancellationTokenSource();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in _harness.StreamAsync(cancellationToken: cancellation.Token))
            {
                if (update.ContentDelta is { Length: > 0 })
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.Equal(cancellation.Token, error.CancellationToken);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public async Task Events_framed_with_crlf_and_split_across_reads_are_read_whole(int bytesPerRead)
    {
        const string Body =
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"你好\"}],\"role\": \"model\"}}],\"usageMetadata\": {\"promptTokenCount\": 4,\"totalTokenCount\": 4},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc\"}\r\n\r\n" +
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" 🌍\"}],\"role\": \"model\"},\"finishReason\": \"STOP\",\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 4,\"candidatesTokenCount\": 2,\"totalTokenCount\": 6},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"abc\"}\r\n\r\n";
        await using var harness = GeminiHarness.Create(
            GeminiAdapterOptions.DefaultBaseUrl,
            handler: new StubHttpMessageHandler(_ =>
            {
                var content = new StreamContent(ChunkedReadStream.Split(Body, bytesPerRead));
                content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
            }));

        var updates = await harness.StreamAsync().ToListAsync();

        Assert.Equal("你好 🌍", string.Concat(updates.Select(u => u.ContentDelta)));
        Assert.All(updates, u => Assert.Equal("abc", u.Id));
        Assert.Equal("stop", updates[^2].FinishReason);
        Assert.Equal(new TokenUsage(4, 2), updates[^1].Usage);
    }

    [Fact]
    public async Task Malformed_event_fails_the_stream_as_unavailable()
    {
        await using var harness = GeminiHarness.Create(
            GeminiAdapterOptions.DefaultBaseUrl,
            handler: new StubHttpMessageHandler(_ => new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("data: {\"candidates\": [\r\n\r\n", System.Text.Encoding.UTF8, "text/event-stream"),
            }));

        var error = await harness.FailureAsync(stream: true);

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The google provider sent a malformed stream event.", error.Message);
    }
}
