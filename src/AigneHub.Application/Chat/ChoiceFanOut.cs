using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace AigneHub.Application.Chat;

/// <summary>
/// Answers a call that asks for several choices (OpenAI's <c>n</c>) by asking the provider once per choice,
/// concurrently, and merging the answers into one. Adapters speak one choice because most upstreams (Anthropic,
/// Bedrock, Gemini's newer models) have no <c>n</c>; one way for every provider keeps failover, credential rotation and
/// billing the same for all. The merged usage is the sum of the answers' usage: each was a provider call that the
/// provider billed, prompt included.
/// </summary>
/// <remarks>
/// All choices belong to one provider attempt: when any of them fails, the others are cancelled and the attempt fails
/// as a whole, so the caller's failover moves every choice to the next provider together. A stream counts as open
/// (and past failover) only once every choice has produced its first update.
/// </remarks>
internal static class ChoiceFanOut
{
    /// <summary>The most choices one call may ask for; each is an upstream call.</summary>
    public const int MaxChoices = 8;

    public static Task<Served<ChatCompletion>> CompleteAsync(IChatProvider provider, ProviderChatRequest request, int choices, CancellationToken cancellationToken) =>
        choices <= 1 ? provider.CompleteAsync(request, cancellationToken) : CompleteEachAsync(provider, request, choices, cancellationToken);

    public static IAsyncEnumerable<Served<ChatCompletionUpdate>> StreamAsync(IChatProvider provider, ProviderChatRequest request, int choices, CancellationToken cancellationToken) =>
        choices <= 1 ? provider.StreamAsync(request, cancellationToken) : StreamEachAsync(provider, request, choices, cancellationToken);

    private static async Task<Served<ChatCompletion>> CompleteEachAsync(IChatProvider provider, ProviderChatRequest request, int choices, CancellationToken cancellationToken)
    {
        using var attempt = new Attempt(cancellationToken);
        var answers = new Task<Served<ChatCompletion>>[choices];
        for (var i = 0; i < choices; i++)
        {
            answers[i] = attempt.Watch(() => provider.CompleteAsync(request, attempt.Token));
        }

        try
        {
            await Task.WhenAll(answers);
        }
        catch
        {
            attempt.ThrowFirstFailure();
            throw;
        }

        var (first, credentialId) = answers[0].Result;
        var others = new ChatChoice[choices - 1];
        var usage = first.Usage;
        for (var i = 1; i < choices; i++)
        {
            var answer = answers[i].Result.Value;
            others[i - 1] = new ChatChoice(i, answer.Content, answer.FinishReason, answer.ToolCalls, answer.LogprobsJson);
            usage = Add(usage, answer.Usage);
        }

        return new(first with { Usage = usage, OtherChoices = others }, credentialId);
    }

    private static async IAsyncEnumerable<Served<ChatCompletionUpdate>> StreamEachAsync(
        IChatProvider provider,
        ProviderChatRequest request,
        int choices,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var attempt = new Attempt(cancellationToken);
        var streams = new IAsyncEnumerator<Served<ChatCompletionUpdate>>?[choices];
        var merged = new MergedStream(streams.Length);
        var pumps = Array.Empty<Task>();
        try
        {
            for (var i = 0; i < choices; i++)
            {
                streams[i] = provider.StreamAsync(request, attempt.Token).GetAsyncEnumerator(attempt.Token);
            }

            // Open every choice before anything reaches the caller, so a provider that fails to answer any one of
            // them can still be failed over as a whole.
            var opened = new Task<bool>[choices];
            for (var i = 0; i < choices; i++)
            {
                var stream = streams[i]!;
                opened[i] = attempt.Watch(() => stream.MoveNextAsync().AsTask());
            }

            try
            {
                await Task.WhenAll(opened);
            }
            catch
            {
                attempt.ThrowFirstFailure();
                throw;
            }

            for (var i = 0; i < choices; i++)
            {
                if (!opened[i].Result)
                {
                    throw new UpstreamException(ErrorKind.UpstreamUnavailable, provider.Name, $"The {provider.Name} provider ended the stream without an answer.");
                }
            }

            for (var i = 0; i < choices; i++)
            {
                if (merged.Relabel(streams[i]!.Current, i) is { } update)
                {
                    yield return update;
                }
            }

            pumps = new Task[choices];
            for (var i = 0; i < choices; i++)
            {
                pumps[i] = PumpAsync(streams[i]!, i, merged, attempt);
            }

            _ = Task.WhenAll(pumps).ContinueWith(static (_, state) => ((MergedStream)state!).Complete(), merged, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            await foreach (var update in merged.ReadAllAsync())
            {
                yield return update;
            }

            attempt.ThrowFirstFailure();
            if (merged.Usage() is { } usage)
            {
                yield return merged.UsageUpdate(usage);
            }
        }
        finally
        {
            // However the merged stream ends (done, failed, or the caller stopped reading), stop every choice and
            // release each upstream connection once nothing is reading it any more.
            attempt.Cancel();
            await Attempt.SettleAsync(pumps);
            foreach (var stream in streams)
            {
                await Attempt.DisposeQuietlyAsync(stream);
            }
        }
    }

    private static async Task PumpAsync(IAsyncEnumerator<Served<ChatCompletionUpdate>> stream, int index, MergedStream merged, Attempt attempt)
    {
        try
        {
            while (await stream.MoveNextAsync())
            {
                if (merged.Relabel(stream.Current, index) is { } update)
                {
                    await merged.WriteAsync(update, attempt.Token);
                }
            }
        }
        catch (Exception ex)
        {
            attempt.Fail(ex);
        }
    }

    private static TokenUsage Add(TokenUsage a, TokenUsage b) =>
        new(a.PromptTokens + b.PromptTokens, a.CompletionTokens + b.CompletionTokens, a.CachedPromptTokens + b.CachedPromptTokens);

    /// <summary>
    /// The choices' updates, relabelled as one stream: one id, creation time and model (the first update's), each
    /// update tagged with its choice; usage reports are kept back and summed into one final update.
    /// </summary>
    private sealed class MergedStream(int choices)
    {
        private readonly Channel<Served<ChatCompletionUpdate>> _channel = Channel.CreateBounded<Served<ChatCompletionUpdate>>(
            new BoundedChannelOptions(choices * 8) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        private readonly TokenUsage?[] _usage = new TokenUsage?[choices];
        private ChatCompletionUpdate? _first;
        private string? _credentialId;

        public Served<ChatCompletionUpdate>? Relabel(Served<ChatCompletionUpdate> served, int index)
        {
            var update = served.Value;
            var first = _first ??= update;
            _credentialId ??= served.CredentialId;
            if (update.Usage is { } usage)
            {
                _usage[index] = usage;
                if (update.Role is null && update.ContentDelta is null && update.FinishReason is null && update.ToolCallDeltas is null)
                {
                    return null;
                }
            }

            return served with { Value = update with { Id = first.Id, Created = first.Created, Model = first.Model, Usage = null, ChoiceIndex = index } };
        }

        public ValueTask WriteAsync(Served<ChatCompletionUpdate> update, CancellationToken cancellationToken) => _channel.Writer.WriteAsync(update, cancellationToken);

        public IAsyncEnumerable<Served<ChatCompletionUpdate>> ReadAllAsync() => _channel.Reader.ReadAllAsync();

        public void Complete() => _channel.Writer.TryComplete();

        /// <summary>The sum of the choices' usage reports; null when no choice reported one.</summary>
        public TokenUsage? Usage()
        {
            TokenUsage? total = null;
            foreach (var usage in _usage)
            {
                if (usage is { } reported)
                {
                    total = total is { } sum ? Add(sum, reported) : reported;
                }
            }

            return total;
        }

        public Served<ChatCompletionUpdate> UsageUpdate(TokenUsage usage) =>
            new(new(_first!.Id, _first.Created, _first.Model, null, null, null, usage, _first.SystemFingerprint), _credentialId);
    }

    /// <summary>One provider attempt spread over several calls: the first failure cancels the rest and is the one reported.</summary>
    private sealed class Attempt(CancellationToken cancellationToken) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        private Exception? _firstFailure;

        public CancellationToken Token => _cancel.Token;

        /// <summary>Runs one call of the attempt; a failure, thrown at once or later, cancels the others.</summary>
        public async Task<T> Watch<T>(Func<Task<T>> call)
        {
            try
            {
                return await call();
            }
            catch (Exception ex)
            {
                Fail(ex);
                throw;
            }
        }

        public void Fail(Exception ex)
        {
            // The first failure is the cause; the cancellations it triggers in the other calls come after it.
            if (Interlocked.CompareExchange(ref _firstFailure, ex, null) is null)
            {
                Cancel();
            }
        }

        public void Cancel()
        {
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The attempt is over already.
            }
        }

        public void ThrowFirstFailure()
        {
            if (Volatile.Read(ref _firstFailure) is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
        }

        public static async Task SettleAsync(Task[] tasks)
        {
            try
            {
                await Task.WhenAll(tasks);
            }
            catch
            {
                // Each failure was recorded by the attempt when it happened.
            }
        }

        public static async Task DisposeQuietlyAsync(IAsyncEnumerator<Served<ChatCompletionUpdate>>? stream)
        {
            if (stream is null)
            {
                // Never opened: an earlier choice failed before this one was started.
                return;
            }

            try
            {
                await stream.DisposeAsync();
            }
            catch
            {
                // A stream that failed may also fail to close; its failure is already the attempt's.
            }
        }

        public void Dispose() => _cancel.Dispose();
    }
}
