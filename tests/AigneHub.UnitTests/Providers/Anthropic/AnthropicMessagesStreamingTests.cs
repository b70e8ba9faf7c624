using System.Net;
using System.Text;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Usage;
using AigneHub.TestUpstreams;
using AigneHub.UnitTests.Providers.ServerSentEvents;

namespace AigneHub.UnitTests.Providers.Anthropic;

/// <summary>How Anthropic's event stream becomes the hub's stream of <see cref="ChatCompletionUpdate"/>s.</summary>
public sealed class AnthropicMessagesStreamingTests : IAsyncLifetime
{
    private static readonly TimeSpan AbortWait = TimeSpan.FromSeconds(10);

    private static readonly string DocumentedStream = string.Concat(
        "event: message_start\r\n",
        """data: {"type":"message_start","message":{"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","content":[],"model":"claude-3-5-sonnet-20241022","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}""",
        "\r\n\r\n",
        "event: content_block_start\r\n",
        """data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
        "\r\n\r\n",
        "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n",
        "event: content_block_delta\r\n",
        """data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"你好"}}""",
        "\r\n\r\n",
        "event: content_block_delta\r\n",
        """data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" 🌍"}}""",
        "\r\n\r\n",
        "event: content_block_stop\r\n",
        """data: {"type":"content_block_stop","index":0}""",
        "\r\n\r\n",
        "event: message_delta\r\n",
        """data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}""",
        "\r\n\r\n",
        "event: message_stop\r\n",
        """data: {"type":"message_stop"}""",
        "\r\n\r\n");

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

    [Fact]
    public async Task Stream_yields_role_then_text_deltas_then_finish_reason_then_usage()
    {
        _upstream.ResponseModel = "claude-sonnet-4-5-20250929";
        _upstream.ReplyStream(["Hel", "lo", " world"], new FakeAnthropicUsage(InputTokens: 12, OutputTokens: 3));

        var updates = await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.Equal(
            [("assistant", null, null), (null, "Hel", null), (null, "lo", null), (null, " world", null), (null, null, "stop"), (null, null, null)],
            updates.Select(u => (u.Role, u.ContentDelta, u.FinishReason)));
        Assert.All(updates, u => Assert.Equal("anthropic/claude-sonnet-4-5-20250929", u.Model));
        Assert.All(updates, u => Assert.StartsWith("msg_", u.Id, StringComparison.Ordinal));
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.Usage));
        Assert.Equal(new TokenUsage(12, 3, 0), updates[^1].Usage);
    }

    [Fact]
    public async Task Streamed_updates_share_one_model_id_and_time()
    {
        _upstream.ReplyStream("one", "two", "three");

        var updates = await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.All(updates, u => Assert.Same(updates[0].Model, u.Model));
        Assert.All(updates, u => Assert.Same(updates[0].Id, u.Id));
        Assert.All(updates, u => Assert.Equal(updates[0].Created, u.Created));
    }

    [Fact]
    public async Task Streamed_usage_counts_cache_reads_and_writes_as_prompt_tokens()
    {
        _upstream.ReplyStream(["a", "b"], new FakeAnthropicUsage(InputTokens: 10, OutputTokens: 2, CacheCreationInputTokens: 20, CacheReadInputTokens: 30));

        var updates = await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.Equal(new TokenUsage(PromptTokens: 60, CompletionTokens: 2, CachedPromptTokens: 30), updates[^1].Usage);
        Assert.Single(updates, u => u.Usage is not null);
    }

    [Theory]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("refusal", "content_filter")]
    [InlineData("stop_sequence", "stop")]
    public async Task Streamed_stop_reason_becomes_an_openai_finish_reason(string stopReason, string finishReason)
    {
        _upstream.ReplyStream(["x"], usage: null, stopReason: stopReason);

        var updates = await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.Equal(finishReason, Assert.Single(updates, u => u.FinishReason is not null).FinishReason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(50)]
    [InlineData(4096)]
    public async Task Documented_stream_split_across_reads_with_crlf_is_read_whole(int bytesPerRead)
    {
        await using var harness = Stubbed(DocumentedStream, bytesPerRead, out _);

        var updates = await harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.Equal([null, "你好", " 🌍", null, null], updates.Select(u => u.ContentDelta));
        Assert.Equal("stop", updates[3].FinishReason);

        // message_delta reported only the output: the input counted in message_start stands.
        Assert.Equal(new TokenUsage(25, 15, 0), updates[4].Usage);
        Assert.All(updates, u => Assert.Equal("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", u.Id));
        Assert.All(updates, u => Assert.Equal("anthropic/claude-3-5-sonnet-20241022", u.Model));
    }

    [Fact]
    public async Task Events_without_an_event_name_are_known_by_their_type()
    {
        var unnamed = string.Join(
            string.Empty,
            DocumentedStream.Split("\r\n").Where(line => !line.StartsWith("event:", StringComparison.Ordinal)).Select(line => line + "\n"));
        await using var harness = Stubbed(unnamed, 4096, out _);

        var updates = await harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.Equal([null, "你好", " 🌍", null, null], updates.Select(u => u.ContentDelta));
        Assert.Equal(new TokenUsage(25, 15, 0), updates[^1].Usage);
    }

    [Fact]
    public async Task Thinking_blocks_are_skipped_and_unknown_events_ignored_around_text_and_tool_use()
    {
        await using var harness = Stubbed(
            Event("message_start", """{"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","content":[],"model":"claude-opus-4-1","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":849,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":10,"service_tier":"standard"}}}""") +
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAh"}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":0}""") +
            Event("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"text","text":"I'll check."}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":1}""") +
            Event("content_block_start", """{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"json","input":{}}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"text\": \"no\"}"}}""") +
            Event("content_block_stop", """{"type":"content_block_stop","index":2}""") +
            Event("a_future_event", """{"type":"a_future_event","detail":{"nested":[1,2]}}""") +
            Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":849,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":47}}""") +
            Event("message_stop", """{"type":"message_stop"}"""),
            4096,
            out _);

        var updates = await harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.Equal(
            [("assistant", null, null), (null, "I'll check.", null), (null, null, null), (null, null, null), (null, null, "tool_calls"), (null, null, null)],
            updates.Select(u => (u.Role, u.ContentDelta, u.FinishReason)));
        Assert.Equal(new ToolCallDelta(0, "toolu_01", "json", string.Empty), Assert.Single(updates[2].ToolCallDeltas!));
        Assert.Equal(new ToolCallDelta(0, null, null, "{\"text\": \"no\"}"), Assert.Single(updates[3].ToolCallDeltas!));
        Assert.Equal(new TokenUsage(849, 47, 0), updates[^1].Usage);
    }

    [Fact]
    public async Task Stream_that_stops_without_a_stop_reason_finishes_as_stop()
    {
        await using var harness = Stubbed(
            Event("message_start", """{"type":"message_start","message":{"id":"msg_3","model":"m","usage":{"input_tokens":4,"output_tokens":1}}}""") +
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}""") +
            Event("message_stop", """{"type":"message_stop"}"""),
            4096,
            out _);

        var updates = await harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.Equal([null, "hi", null, null], updates.Select(u => u.ContentDelta));
        Assert.Equal("stop", updates[2].FinishReason);
        Assert.Equal(new TokenUsage(4, 1, 0), updates[3].Usage);
    }

    [Fact]
    public async Task Stream_that_ends_without_message_stop_fails_as_ended_early()
    {
        _upstream.TruncateStream("partial");
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in _harness.StreamAsync(AnthropicAdapterHarness.Hello()))
            {
                updates.Add(update);
            }
        });

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The anthropic provider's stream ended early.", error.Message);
        Assert.Equal("partial", updates[^1].ContentDelta);
    }

    [Fact]
    public async Task Overloaded_error_event_mid_stream_fails_the_stream_as_unavailable()
    {
        _upstream.FailMidStream("overloaded_error", "Overloaded", "Hel", "lo");
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in _harness.StreamAsync(AnthropicAdapterHarness.Hello()))
            {
                updates.Add(update);
            }
        });

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The anthropic provider was overloaded mid-stream.", error.Message);
        Assert.True(error.IsRetryable);
        Assert.Equal([null, "Hel", "lo"], updates.Select(u => u.ContentDelta));
    }

    [Theory]
    [InlineData("api_error", ErrorKind.UpstreamUnavailable)]
    [InlineData("a_future_error", ErrorKind.UpstreamUnavailable)]
    [InlineData("rate_limit_error", ErrorKind.UpstreamRateLimited)]
    [InlineData("authentication_error", ErrorKind.UpstreamAuth)]
    [InlineData("permission_error", ErrorKind.UpstreamAuth)]
    [InlineData("invalid_request_error", ErrorKind.UpstreamRejected)]
    [InlineData("request_too_large", ErrorKind.UpstreamRejected)]
    public async Task Error_event_type_decides_the_kind_of_failure(string errorType, ErrorKind kind)
    {
        _upstream.FailMidStream(errorType, "Something went wrong.", "partial");

        var error = await Assert.ThrowsAsync<UpstreamException>(
            async () => await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync());

        Assert.Equal(kind, error.Kind);
        Assert.Equal("anthropic", error.Provider);
    }

    [Fact]
    public async Task Rejection_mid_stream_carries_the_upstream_message()
    {
        _upstream.FailMidStream("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum");

        var error = await Assert.ThrowsAsync<UpstreamException>(
            async () => await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync());

        Assert.Equal("prompt is too long: 210000 tokens > 200000 maximum", error.Message);
    }

    [Fact]
    public async Task Error_event_before_any_answer_fails_the_first_move_next()
    {
        _upstream.FailStreamAtStart("overloaded_error", "Overloaded");
        await using var updates = _harness.StreamAsync(AnthropicAdapterHarness.Hello()).GetAsyncEnumerator();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () => await updates.MoveNextAsync());

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task Error_event_message_is_relayed_without_the_secret_it_quotes()
    {
        _upstream.FailMidStream("api_error", $"Internal failure for key {AnthropicAdapterHarness.ApiKey}", "hi");

        var error = await Assert.ThrowsAsync<UpstreamException>(
            async () => await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync());

        Assert.StartsWith("The anthropic provider failed mid-stream: Internal failure for key ****", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AnthropicAdapterHarness.ApiKey, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains(AnthropicAdapterHarness.ApiKey, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"type":"content_block_delta","delta":""")]
    [InlineData("""{"type":"message_delta","delta":{"stop_reason":7}}""")]
    [InlineData("""["not","an","object"]""")]
    public async Task Malformed_event_fails_the_stream_as_unavailable(string data)
    {
        await using var harness = Stubbed(
            Event("message_start", """{"type":"message_start","message":{"id":"msg_4","model":"m","usage":{"input_tokens":4,"output_tokens":1}}}""") +
            "data: " + data + "\n\n",
            4096,
            out _);

        var error = await Assert.ThrowsAsync<UpstreamException>(
            async () => await harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync());

        Assert.Equal(ErrorKind.UpstreamUnavailable, error.Kind);
        Assert.Equal("The anthropic provider sent a malformed stream event.", error.Message);
    }

    [Fact]
    public async Task Caller_cancellation_mid_stream_aborts_the_upstream_request()
    {
        _upstream.ReplyStream(["one ", "two ", "three"], usage: null, delayBetweenPieces: TimeSpan.FromSeconds(30));
        using var cancellation = new CancellationTokenSource();
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in _harness.StreamAsync(AnthropicAdapterHarness.Hello(), cancellation.Token))
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
        await using var stream = _harness.StreamAsync(AnthropicAdapterHarness.Hello(), cancellation.Token).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        Assert.True(await stream.MoveNextAsync());

        var pending = stream.MoveNextAsync().AsTask();
        await Task.Delay(100);
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        Assert.Equal(cancellation.Token, error.CancellationToken);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Fact]
    public async Task Disposing_the_stream_early_aborts_the_upstream_request()
    {
        _upstream.StallStream("one ", "two ");
        var stream = _harness.StreamAsync(AnthropicAdapterHarness.Hello()).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        await stream.DisposeAsync();

        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Fact]
    public async Task Disposing_the_stream_early_disposes_the_response()
    {
        await using var harness = Stubbed(
            Event("message_start", """{"type":"message_start","message":{"id":"msg_5","model":"m","usage":{"input_tokens":4,"output_tokens":1}}}"""),
            4096,
            out var body,
            hangAtEnd: true);
        var stream = harness.StreamAsync(AnthropicAdapterHarness.Hello()).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());

        await stream.DisposeAsync();

        Assert.True(body.IsDisposed);
    }

    [Fact]
    public async Task Stalled_stream_fails_as_timeout_and_closes_the_upstream_connection()
    {
        await using var harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["StreamIdleTimeoutSeconds"] = "1" });
        _upstream.StallStream("one ");
        var updates = new List<ChatCompletionUpdate>();

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var update in harness.StreamAsync(AnthropicAdapterHarness.Hello()))
            {
                updates.Add(update);
            }
        });

        Assert.Equal(ErrorKind.UpstreamTimeout, error.Kind);
        Assert.Equal("The anthropic provider's stream stalled for more than 1 s.", error.Message);
        Assert.Equal(2, updates.Count);
        await _upstream.ClientAborted.WaitAsync(AbortWait);
    }

    [Fact]
    public async Task Slow_consumer_is_not_taken_for_a_stalled_stream()
    {
        await using var harness = AnthropicAdapterHarness.Create(_upstream.BaseUrl, new Dictionary<string, string?> { ["StreamIdleTimeoutSeconds"] = "1" });
        _upstream.ReplyStream("one ", "two");
        var updates = new List<ChatCompletionUpdate>();

        await foreach (var update in harness.StreamAsync(AnthropicAdapterHarness.Hello()))
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

    [Fact]
    public async Task Completed_streams_give_their_connection_back_for_the_next_call()
    {
        // The body ends a little after message_stop: the adapter reads up to its end rather than close the connection.
        _upstream.EndDelay = TimeSpan.FromMilliseconds(200);
        _upstream.ReplyStream("one ", "two");

        await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();
        await _harness.StreamAsync(AnthropicAdapterHarness.Hello()).ToListAsync();

        Assert.Equal(2, _upstream.ConnectionIds.Count);
        Assert.Single(_upstream.ConnectionIds.Distinct());
        Assert.Equal(0, _upstream.AbortedRequestCount);
    }

    private static string Event(string type, string data) => $"event: {type}\ndata: {data}\n\n";

    private static AnthropicAdapterHarness Stubbed(string body, int bytesPerRead, out ChunkedReadStream stream, bool hangAtEnd = false)
    {
        var content = ChunkedReadStream.Split(Encoding.UTF8.GetBytes(body), bytesPerRead, hangAtEnd);
        stream = content;
        var handler = new StubHttpMessageHandler(_ =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(content) };
            response.Content.Headers.ContentType = new("text/event-stream");
            return response;
        });
        return AnthropicAdapterHarness.Create("https://api.anthropic.test", handler: handler);
    }
}
