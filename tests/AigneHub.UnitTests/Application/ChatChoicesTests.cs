using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Chat.Commands.StreamChatCompletion;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application;

/// <summary>Calls that ask for several choices (OpenAI's n): one provider call per choice, merged into one answer.</summary>
public sealed class ChatChoicesTests
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    private static CreateChatCompletionCommand Unary(string model, int n) => new("req-n", model, Hello, new ChatSettings { N = n });

    private static StreamChatCompletionCommand Streamed(string model, int n) => new("req-n-stream", model, Hello, new ChatSettings { N = n });

    private static UpstreamException RateLimited(string provider) => new(ErrorKind.UpstreamRateLimited, provider, "slow down", 429);

    [Fact]
    public async Task Three_choices_are_three_single_choice_provider_calls_merged_in_index_order_with_summed_usage()
    {
        var answers = 0;
        var provider = new ScriptedProvider("openai", (request, _) =>
        {
            var number = Interlocked.Increment(ref answers);
            return Task.FromResult(new ChatCompletion($"id-{number}", DateTimeOffset.UnixEpoch.AddSeconds(number), "openai/gpt", $"answer {number}", "stop",
                new TokenUsage(5, number, CachedPromptTokens: 1), "fp_1"));
        });
        using var app = new ApplicationHarness(provider);

        var completion = await app.Mediator.Send(Unary("openai/gpt", 3));

        Assert.Equal(3, provider.Calls);
        Assert.All(provider.Requests, r => Assert.Null(r.Settings.N));
        var choices = completion.Choices.ToArray();
        Assert.Equal([0, 1, 2], choices.Select(c => c.Index));
        Assert.Equal(3, choices.Select(c => c.Content).Distinct().Count());
        Assert.All(choices, c => Assert.Equal("stop", c.FinishReason));
        Assert.Equal(new TokenUsage(15, 6, 3), completion.Usage);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((CallStatus.Succeeded, 15, 6), (record.Status, record.PromptTokens, record.CompletionTokens));
    }

    [Fact]
    public async Task One_choice_failing_with_a_retryable_error_moves_every_choice_to_the_next_provider()
    {
        var first = new ScriptedProvider("openai") { FailOnCall = call => call == 2 ? RateLimited("openai") : null };
        var second = new ScriptedProvider("openrouter");
        using var app = new ApplicationHarness(first, second);

        var completion = await app.Mediator.Send(Unary("gpt-4o", 2));

        Assert.Equal(2, second.Calls);
        Assert.Equal(["answer from openrouter", "answer from openrouter"], completion.Choices.Select(c => c.Content));
        Assert.Equal("openrouter", Assert.Single(app.Recorder.Records).Provider);
    }

    [Fact]
    public async Task A_failing_choice_cancels_the_others_and_its_own_error_is_the_one_reported()
    {
        var othersCancelled = 0;
        var calls = 0;
        var provider = new ScriptedProvider("openai", async (_, cancellationToken) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await Task.Yield();
                throw new UpstreamException(ErrorKind.UpstreamRejected, "openai", "the upstream refused the request", 400);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref othersCancelled);
                throw;
            }

            throw new InvalidOperationException("unreachable");
        });
        using var app = new ApplicationHarness(provider);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => app.Mediator.Send(Unary("openai/gpt", 3)).AsTask());

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal(2, othersCancelled);
        Assert.Equal(CallStatus.Failed, Assert.Single(app.Recorder.Records).Status);
    }

    [Fact]
    public async Task A_choice_whose_provider_throws_before_returning_a_task_still_cancels_the_choices_already_started()
    {
        var provider = new ThrowsAtOnceOnCall("openai", failingCall: 3);
        using var app = new ApplicationHarness(provider);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => app.Mediator.Send(Unary("openai/gpt", 3)).AsTask());

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal(2, provider.Cancelled);
    }

    [Fact]
    public async Task A_stream_of_two_choices_tags_each_piece_with_its_choice_and_ends_with_one_summed_usage()
    {
        var provider = new ScriptedProvider("openai") { StreamPieces = ["x", "y", "z"] };
        using var app = new ApplicationHarness(provider);

        var updates = new List<ChatCompletionUpdate>();
        await foreach (var update in app.Mediator.CreateStream(Streamed("openai/gpt", 2)))
        {
            updates.Add(update);
        }

        Assert.Single(updates.Select(u => u.Id).Distinct());
        foreach (var index in new[] { 0, 1 })
        {
            var mine = updates.Where(u => u.ChoiceIndex == index && u.Usage is null).ToArray();
            Assert.Equal("assistant", mine[0].Role);
            Assert.Equal("xyz", string.Concat(mine.Select(u => u.ContentDelta)));
            Assert.Equal("stop", Assert.Single(mine, u => u.FinishReason is not null).FinishReason);
        }

        var usage = Assert.Single(updates, u => u.Usage is not null);
        Assert.Same(updates[^1], usage);
        Assert.Equal(new TokenUsage(8, 6), usage.Usage);
        var record = Assert.Single(app.Recorder.Records);
        Assert.Equal((CallStatus.Succeeded, 8, 6), (record.Status, record.PromptTokens, record.CompletionTokens));
    }

    [Fact]
    public async Task A_stream_whose_second_choice_fails_before_answering_fails_over_as_a_whole()
    {
        var first = new ScriptedProvider("openai") { FailOnCall = call => call == 2 ? RateLimited("openai") : null };
        var second = new ScriptedProvider("openrouter");
        using var app = new ApplicationHarness(first, second);

        var models = new List<string>();
        await foreach (var update in app.Mediator.CreateStream(Streamed("gpt-4o", 2)))
        {
            models.Add(update.Model);
        }

        Assert.All(models, m => Assert.Equal("openrouter/gpt-4o", m));
        Assert.Equal(2, first.StreamsDisposed);
        Assert.Equal("openrouter", Assert.Single(app.Recorder.Records).Provider);
    }

    [Fact]
    public async Task A_stream_whose_provider_throws_before_returning_a_stream_closes_the_choices_already_opened()
    {
        var provider = new ThrowsAtOnceOnCall("openai", failingCall: 3);
        using var app = new ApplicationHarness(provider);

        var error = await Assert.ThrowsAsync<UpstreamException>(async () =>
        {
            await foreach (var _ in app.Mediator.CreateStream(Streamed("openai/gpt", 3)))
            {
            }
        });

        Assert.Equal(ErrorKind.UpstreamRejected, error.Kind);
        Assert.Equal(2, provider.StreamsDisposed);
    }

    [Fact]
    public async Task A_stream_the_client_abandons_closes_every_choice_upstream()
    {
        var provider = new ScriptedProvider("openai") { StreamPieces = ["1", "2", "3", "4", "5"], PieceDelay = TimeSpan.FromMilliseconds(5) };
        using var app = new ApplicationHarness(provider);

        await foreach (var update in app.Mediator.CreateStream(Streamed("openai/gpt", 3)))
        {
            if (update.ContentDelta == "2")
            {
                break;
            }
        }

        Assert.Equal(3, provider.StreamsDisposed);
        Assert.Equal(CallStatus.Cancelled, Assert.Single(app.Recorder.Records).Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ChoiceFanOut.MaxChoices + 1)]
    public async Task A_number_of_choices_outside_one_to_the_maximum_is_refused_naming_n(int n)
    {
        var provider = new ScriptedProvider("openai");
        using var app = new ApplicationHarness(provider);

        var error = await Assert.ThrowsAsync<RequestValidationException>(() => app.Mediator.Send(Unary("openai/gpt", n)).AsTask());

        Assert.Equal("n", Assert.Single(error.Violations).Field);
        Assert.Equal(0, provider.Calls);
    }

    /// <summary>A provider whose methods are not async: its failing call throws before a task or a stream exists.</summary>
    private sealed class ThrowsAtOnceOnCall(string name, int failingCall) : IChatProvider
    {
        private int _calls;
        private int _cancelled;
        private int _streamsDisposed;

        public string Name { get; } = name;

        public int Cancelled => Volatile.Read(ref _cancelled);

        public bool Serves(string model) => true;

        public Task<Served<ChatCompletion>> CompleteAsync(ProviderChatRequest request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == failingCall)
            {
                throw new UpstreamException(ErrorKind.UpstreamRejected, Name, "the upstream refused the request", 400);
            }

            return WaitForCancellationAsync(cancellationToken);
        }

        public int StreamsDisposed => Volatile.Read(ref _streamsDisposed);

        public IAsyncEnumerable<Served<ChatCompletionUpdate>> StreamAsync(ProviderChatRequest request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == failingCall)
            {
                throw new UpstreamException(ErrorKind.UpstreamRejected, Name, "the upstream refused the request", 400);
            }

            return new NeverAnswers(this);
        }

        private async Task<Served<ChatCompletion>> WaitForCancellationAsync(CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _cancelled);
                throw;
            }

            throw new InvalidOperationException("unreachable");
        }

        /// <summary>A stream that never answers and counts being closed (whether or not it was ever read).</summary>
        private sealed class NeverAnswers(ThrowsAtOnceOnCall owner) : IAsyncEnumerable<Served<ChatCompletionUpdate>>, IAsyncEnumerator<Served<ChatCompletionUpdate>>
        {
            private CancellationToken _cancellation;

            public Served<ChatCompletionUpdate> Current => throw new InvalidOperationException("No update was produced.");

            public IAsyncEnumerator<Served<ChatCompletionUpdate>> GetAsyncEnumerator(CancellationToken cancellationToken = default)
            {
                _cancellation = cancellationToken;
                return this;
            }

            public async ValueTask<bool> MoveNextAsync()
            {
                await Task.Delay(Timeout.Infinite, _cancellation);
                return false;
            }

            public ValueTask DisposeAsync()
            {
                Interlocked.Increment(ref owner._streamsDisposed);
                return ValueTask.CompletedTask;
            }
        }
    }
}
