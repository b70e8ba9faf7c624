using System.ComponentModel.DataAnnotations;
using AigneHub.Application.Routing;

namespace AigneHub.Application.ModelCalls;

/// <summary>
/// Starts inference calls (chat, embeddings, images): each gets its meter, its route (with a chat call's fallback
/// models), its hold, and a deadline, and leaves a call record even when routing or the hold refuses it.
/// </summary>
internal sealed partial class InferenceCalls(
    ModelRouter router,
    ChatBilling billing,
    ICallRecorder recorder,
    ICallerContext callers,
    TimeProvider time,
    IOptions<ChatRoutingOptions> routing,
    ILogger<InferenceCalls> logger,
    ICacheRequestContext cacheRequest)
{
    /// <summary>Starts a chat call: its record carries what the call says about itself (end user, metadata).</summary>
    public Task<InferenceCall<IChatProvider>> StartChatAsync(IChatRequest request, bool streamed, CancellationToken cancellationToken)
    {
        var caller = callers.Current;
        var meter = CallMeter.Start(time, request.RequestId, CallType.Chat, streamed, caller).Tagged(request.Settings);
        return StartAsync(
            meter,
            request.Model,
            () => router.RouteChat(request, caller),
            route => billing.EstimateChat(route, request, meter.CallId),
            cancellationToken);
    }

    /// <summary>
    /// Starts an embedding or image call: <paramref name="texts"/> are what its prompt counts, <paramref name="images"/>
    /// the images it asks for (0 for embeddings).
    /// </summary>
    /// <param name="resolve">The providers that can take this kind of call for a model (may refuse with a HubException).</param>
    /// <param name="offering">What the call needs of a provider ("embeddings"), for the refusal when none serves it.</param>
    public Task<InferenceCall<TProvider>> StartMediaAsync<TProvider>(
        MediaCall call,
        Func<IProviderCatalog, ModelName, IReadOnlyList<TProvider>> resolve,
        string offering,
        CancellationToken cancellationToken)
        where TProvider : IProvider
    {
        var meter = CallMeter.Start(time, call.RequestId, call.Type, streamed: false, callers.Current);
        return StartAsync(
            meter,
            call.Model,
            () => router.Route(call.Model, resolve, offering),
            route => billing.EstimateMedia(route, call, meter.CallId),
            cancellationToken);
    }

    private async Task<InferenceCall<TProvider>> StartAsync<TProvider>(
        CallMeter meter,
        string model,
        Func<CallRoute<TProvider>> route,
        Func<CallRoute<TProvider>, CallEstimate> estimate,
        CancellationToken cancellationToken)
        where TProvider : IProvider
    {
        var call = new InferenceCall<TProvider>(meter, billing, recorder, logger, cancellationToken) { CacheRequest = cacheRequest };
        CallRoute<TProvider> routed;
        try
        {
            routed = route();
        }
        catch (HubException ex)
        {
            meter.Attempt(ModelName.TryParse(model, out var name) ? name.Provider ?? string.Empty : string.Empty, name.Model ?? model);
            await call.FinishAsync(meter.Failed(ex, default, cancellationToken), default);
            throw;
        }

        try
        {
            var (hold, held) = await billing.HoldAsync(routed, estimate(routed), cancellationToken);
            call.Begin(hold, held, CallDeadline.Start(TimeSpan.FromSeconds(routing.Value.DeadlineSeconds), time, cancellationToken));
            return call;
        }
        catch (Exception ex)
        {
            meter.Attempt(routed.Providers[0].Name, routed.Name.Model);
            await call.FinishAsync(meter.Failed(ex, default, cancellationToken), default);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} failed on {Model} with {ErrorKind}; failing over to {NextProvider} with {NextModel}")]
    internal static partial void LogFailover(ILogger logger, string provider, string model, ErrorKind errorKind, string nextProvider, string nextModel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Call {CallId} was charged, but its credits' currency prefix could not be read; answered without it")]
    internal static partial void LogPrefixUnavailable(ILogger logger, Exception exception, Guid callId);
}

/// <summary>
/// What every embedding or image call has: who asked (the request id), its type, the model, what its prompt counts, how
/// many images it asks for, and how many it sends (an edit's images and mask, which providers count as input tokens).
/// </summary>
internal sealed record MediaCall(string RequestId, CallType Type, string Model, IReadOnlyCollection<string> Texts, int Images = 0, int InputImages = 0);

/// <summary>A provider's answer, with what the call cost the caller (credits mode; null when nothing was charged) and the credits' prefix.</summary>
internal sealed record ChargedAnswer<T>(T Value, decimal? CreditsCharged, string? CreditPrefix);

/// <summary>
/// One inference call, from its hold to its record: tries the providers of its model and then of its fallback models
/// within one deadline (<see cref="AttemptPlan{TProvider}"/>), and ends in one settle-and-record step however it
/// ends (<see cref="FinishAsync"/>): captured at what was produced when it succeeded or the client went away,
/// released in full when it failed, and exactly one call record.
/// </summary>
internal sealed class InferenceCall<TProvider>(CallMeter meter, ChatBilling billing, ICallRecorder recorder, ILogger logger, CancellationToken callerToken)
    : IDisposable
    where TProvider : IProvider
{
    private CallRoute<TProvider>? _route;
    private CallDeadline? _deadline;

    public CallMeter Meter { get; } = meter;

    /// <summary>Where the provider and model that served the call are noted for the response cache.</summary>
    public required ICacheRequestContext CacheRequest { get; init; }

    /// <summary>The call's hold; once a model answered, priced for that model (<see cref="CallHold.ForModel"/>).</summary>
    public CallHold? Hold { get; private set; }

    /// <summary>True once the call's record was written.</summary>
    public bool Finished { get; private set; }

    internal void Begin(CallHold hold, CallRoute<TProvider> route, CallDeadline deadline) => (Hold, _route, _deadline) = (hold, route, deadline);

    /// <summary>
    /// Runs a unary call: each <paramref name="attempt"/> gets a provider, its model's route and the deadline's token;
    /// the first answer is settled (<paramref name="usage"/> and <paramref name="images"/> price it) and recorded.
    /// </summary>
    public async Task<ChargedAnswer<T>> RunAsync<T>(
        Func<TProvider, CallRoute<TProvider>, CancellationToken, Task<Served<T>>> attempt,
        Func<T, TokenUsage> usage,
        Func<T, int>? images = null)
    {
        var plan = new AttemptPlan<TProvider>(_route!);
        for (int current = 0, next = 0; ; current = next)
        {
            var (route, provider) = plan[current];
            Meter.Attempt(provider.Name, route.Name.Model);
            ChargedAnswer<T> charged;
            try
            {
                var answer = await attempt(provider, route, _deadline!.Token);
                Served(answer.CredentialId, provider.Name, route);
                var used = usage(answer.Value);
                var record = await FinishAsync(Meter.Succeeded(used) with { Images = images?.Invoke(answer.Value) ?? 0 }, used);
                charged = new(answer.Value, record.CreditsCharged, null);
            }
            catch (Exception ex)
            {
                if (await FailsOverAsync(plan, current, ex) is not { } moved)
                {
                    throw;
                }

                next = moved;
                continue;
            }

            // Outside the attempt: the call is settled and recorded once, and a caller gone (or a settings read that
            // fails) now must not settle it a second time as a failure and overwrite its record, nor turn an answer
            // already charged for into an error: the prefix only labels the credits.
            if (charged.CreditsCharged is null)
            {
                return charged;
            }

            try
            {
                return charged with { CreditPrefix = await billing.CreditPrefixAsync(CancellationToken.None) };
            }
            catch (Exception ex)
            {
                InferenceCalls.LogPrefixUnavailable(logger, ex, Meter.CallId);
                return charged;
            }
        }
    }

    /// <summary>
    /// Opens a stream on the first provider that answers: a stream is open once its first update arrived, so a provider
    /// that fails before producing anything can still be failed over. The deadline stops at the first update; a stream
    /// that never opens releases the whole hold.
    /// </summary>
    public async Task<(IAsyncEnumerator<Served<T>> Updates, string Provider)> OpenAsync<T>(
        Func<TProvider, CallRoute<TProvider>, CancellationToken, IAsyncEnumerable<Served<T>>> open)
    {
        var plan = new AttemptPlan<TProvider>(_route!);
        for (int current = 0, next = 0; ; current = next)
        {
            var (route, provider) = plan[current];
            Meter.Attempt(provider.Name, route.Name.Model);
            var updates = open(provider, route, _deadline!.Token).GetAsyncEnumerator(_deadline.Token);
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    throw new UpstreamException(ErrorKind.UpstreamUnavailable, provider.Name, $"The {provider.Name} provider ended the stream without an answer.");
                }

                Served(updates.Current.CredentialId, provider.Name, route);
                _deadline.Disarm();
                return (new PeekedEnumerator<Served<T>>(updates), provider.Name);
            }
            catch (Exception ex)
            {
                await updates.DisposeAsync();
                if (await FailsOverAsync(plan, current, ex, opened: false) is not { } moved)
                {
                    throw;
                }

                next = moved;
            }
        }
    }

    /// <summary>
    /// The one settle-and-record step of the call: settles its hold for the outcome (when it has one) and writes its
    /// record, once. A stream the hub ended at its hold (<paramref name="atMostTheHold"/>) is charged no more than the
    /// hold; a stream that never <paramref name="opened"/> has its whole hold returned, unless its caller went away.
    /// </summary>
    public async Task<CallRecord> FinishAsync(CallRecord outcome, TokenUsage usage, bool atMostTheHold = false, bool opened = true)
    {
        // A stream the client abandoned before its first update was still sent upstream, as a unary call cut short is:
        // both pay their prompt. One that failed before it opened returns its whole hold.
        var record = Hold is not { } hold ? outcome
            : opened || outcome.Status == CallStatus.Cancelled ? await billing.SettleAsync(hold, outcome, usage, atMostTheHold)
            : await billing.ReleaseUnopenedAsync(hold, outcome);
        Finished = true;
        recorder.Record(record);
        return record;
    }

    public void Dispose() => _deadline?.Dispose();

    private void Served(string? credentialId, string provider, CallRoute<TProvider> route)
    {
        Meter.FirstByte();
        Meter.UsedCredential(credentialId);
        Hold = Hold!.ForModel(route.Name.Model);
        if (CacheRequest.Outcome == CacheOutcome.Miss)
        {
            // Only a call whose answer the cache will store needs it: no string built per call otherwise.
            CacheRequest.ServedBy = route.Name.Qualified(provider);
        }
    }

    /// <summary>
    /// After attempt <paramref name="current"/> failed: the next attempt when the call moves on; otherwise the call
    /// is finished (a passed deadline as a timeout) and null is returned, so the failure goes back to the caller.
    /// </summary>
    private async Task<int?> FailsOverAsync(AttemptPlan<TProvider> plan, int current, Exception failure, bool opened = true)
    {
        if (failure is UpstreamException upstream)
        {
            Meter.UsedCredential(upstream.CredentialId);
            if (plan.MovesOn(current, upstream, Meter, out var next))
            {
                var (from, provider) = plan[current];
                InferenceCalls.LogFailover(logger, provider.Name, from.Name.Model, upstream.Kind, plan[next].Provider.Name, plan[next].Route.Name.Model);
                return next;
            }
        }

        // The call ends on this attempt: its model prices whatever it is charged (a fallback model's, when the chain
        // had moved on), as a served attempt's does.
        Hold = Hold?.ForModel(plan[current].Route.Name.Model);
        if (_deadline!.Exceeded(failure))
        {
            var timedOut = _deadline.TimedOut(Meter.Provider);
            await FinishAsync(Meter.Failed(timedOut, default, callerToken), default, opened: opened);
            throw timedOut;
        }

        await FinishAsync(Meter.Failed(failure, default, callerToken), default, opened: opened);
        return null;
    }

    /// <summary>Replays the update that proved the stream open, then continues with the rest.</summary>
    private sealed class PeekedEnumerator<T>(IAsyncEnumerator<T> inner) : IAsyncEnumerator<T>
    {
        private bool _replayed;

        public T Current => inner.Current;

        public ValueTask<bool> MoveNextAsync()
        {
            if (!_replayed)
            {
                _replayed = true;
                return ValueTask.FromResult(true);
            }

            return inner.MoveNextAsync();
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>
/// One deadline over every attempt of a call. Its token is cancelled when the caller cancels or the deadline passes;
/// <see cref="Exceeded"/> tells the two apart so a passed deadline becomes a timeout error, not a client cancellation.
/// </summary>
internal sealed class CallDeadline : IDisposable
{
    private readonly CancellationTokenSource _timer;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _callerToken;
    private readonly TimeSpan _limit;

    private CallDeadline(TimeSpan limit, TimeProvider time, CancellationToken callerToken)
    {
        _limit = limit;
        _callerToken = callerToken;
        _timer = new CancellationTokenSource(limit, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _timer.Token);
    }

    public CancellationToken Token => _linked.Token;

    public static CallDeadline Start(TimeSpan limit, TimeProvider time, CancellationToken callerToken) => new(limit, time, callerToken);

    /// <summary>True when the deadline, not the caller, ended the call.</summary>
    public bool Exceeded(Exception exception) =>
        exception is OperationCanceledException && _timer.IsCancellationRequested && !_callerToken.IsCancellationRequested;

    public UpstreamException TimedOut(string provider) =>
        new(ErrorKind.UpstreamTimeout, provider, $"No provider answered within the call's deadline of {_limit.TotalSeconds:0} seconds.");

    /// <summary>Stops the clock: a stream that has started answering runs on without the deadline.</summary>
    public void Disarm() => _timer.CancelAfter(Timeout.InfiniteTimeSpan);

    public void Dispose()
    {
        _linked.Dispose();
        _timer.Dispose();
    }
}

/// <summary>Limits on one model call (chat, embeddings, images) across all of its attempts (credentials, providers, fallback models).</summary>
public sealed class ChatRoutingOptions
{
    public const string Section = "Providers:Routing";

    /// <summary>
    /// How long one call may take over every attempt together: the whole answer for a unary call, the first streamed
    /// update for a stream (after that the stream runs as long as it produces). Each attempt also has its adapter's own
    /// timeout; when this deadline passes first, the call fails with a timeout (504) instead of trying further.
    /// </summary>
    [Range(1, 3600)]
    public int DeadlineSeconds { get; set; } = 300;
}
