using System.Threading.Channels;
using JasperFx;

namespace AigneHub.Application.Billing;

/// <summary>
/// The one writer of credit accounts on this instance, with group commit (ADR 0019). Callers submit a decision
/// (state → events) and wait without holding a database connection; one loop takes every change queued meanwhile,
/// takes the row locks of the accounts they touch (in id order, so two instances' batches never deadlock; all of them,
/// with the accounts and the settlements of the batch's calls, in one round trip), decides
/// each change in the order it arrived against the state the earlier ones left, appends, and commits the whole batch
/// in one transaction. A hot account pays one transaction for many calls. The accounts are shared out over
/// <see cref="BillingOptions.LedgerWriterLanes"/> such loops by a hash of their id (each account always in the same
/// one), whose transactions run side by side: a flush of captures over many accounts is written by several
/// transactions at once, one's database round trips overlapping another's work here. How earlier calls were settled comes from
/// the settlement index (<see cref="CallSettlement"/>), not from the account document, which therefore stays the same
/// size however many calls the account makes.
/// </summary>
internal sealed partial class CreditLedgerWriter : IAsyncDisposable, IDisposable
{
    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<CreditLedgerWriter> _logger;
    private const int MaxBatchAttempts = 3;
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FirstSettlementRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LastSettlementRetry = TimeSpan.FromSeconds(5);

    /// <summary>How long a batch whose commit's outcome is unknown is retried: half of its mark's retention (ADR 0027).</summary>
    internal static readonly TimeSpan UnresolvedCommitLimit = LedgerCommit.Retention / 2;

    private readonly int _batchSize;
    private readonly Lane[] _lanes;
    private readonly CancellationTokenSource _stopping = new();
    private long _commits;

    public CreditLedgerWriter(IDocumentStore store, TimeProvider time, IOptions<BillingOptions> options, ILogger<CreditLedgerWriter> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _batchSize = options.Value.LedgerBatchSize;
        var lanes = options.Value.LedgerWriterLanes;
        var queueLimit = Math.Max(1, options.Value.LedgerQueueLimit / lanes);
        _lanes = Enumerable.Range(0, lanes).Select(_ => new Lane(queueLimit)).ToArray();
        foreach (var lane in _lanes)
        {
            lane.Loop = new Lazy<Task>(() => Task.Run(() => RunAsync(lane)), LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    /// <summary>How many ledger transactions this writer committed.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// Decides and appends one change to the user's account (opening it with the new-user grant when it does not exist
    /// yet) and returns the account as this batch left it. A rule the decision breaks fails only this change. A change
    /// whose caller gave up before it was decided is not written. Throws <see cref="ServiceBusyException"/> when the
    /// queue is full (the database cannot keep up) or the database cannot be reached.
    /// </summary>
    /// <param name="callId">The call the change settles or holds, whose settlement (if any) the decision must know.</param>
    public Task<CreditAccount> ChangeAsync(
        string userId,
        BillingSettings settings,
        Func<CreditAccount, IReadOnlyList<object>> decide,
        CancellationToken cancellationToken,
        string? callId = null)
    {
        var change = new LedgerChange(CreditAccount.StreamIdFor(userId), userId, settings, decide, cancellationToken, callId, Settles: false);
        var lane = LaneOf(change.StreamId);
        if (!lane.Queue.Writer.TryWrite(change))
        {
            throw new ServiceBusyException("The hub's credit ledger is busy; try again in a moment.", BusyRetryAfter);
        }

        _ = lane.Loop.Value;
        return change.Completion.Task;
    }

    /// <summary>
    /// Like <see cref="ChangeAsync"/>, for the capture or release of a call that was served: it is never refused. It
    /// waits for room in a full queue, and a batch that fails because the database is saturated or briefly out of
    /// reach is written again (with backoff) until it succeeds, instead of leaving the call's hold to the recovery job.
    /// Written once: a retry after a commit whose answer was lost finds that commit's mark and decides nothing again
    /// (ADR 0027).
    /// </summary>
    /// <param name="callId">
    /// The call whose settlement the decision must know (a hold's capture or release), or null for a change that needs
    /// none: the capture of a call served from a balance lease, which has no hold to settle.
    /// </param>
    public async Task<CreditAccount> SettleAsync(
        string userId,
        BillingSettings settings,
        Func<CreditAccount, IReadOnlyList<object>> decide,
        string? callId,
        CancellationToken cancellationToken)
    {
        var change = new LedgerChange(CreditAccount.StreamIdFor(userId), userId, settings, decide, cancellationToken, callId, Settles: true);
        var lane = LaneOf(change.StreamId);
        _ = lane.Loop.Value;
        await lane.Queue.Writer.WriteAsync(change, cancellationToken).ConfigureAwait(false);
        return await change.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// The lane that writes an account: always the same one, so the changes of one account are decided in the order they
    /// arrived, and two lanes never lock the same account (their transactions run side by side without waiting for each
    /// other; each still takes its locks in id order, so they cannot deadlock with another instance's either).
    /// </summary>
    private Lane LaneOf(string streamId) => _lanes[LaneIndex(streamId)];

    /// <summary>Which of the writer's lanes writes the user's account (0 when there is one).</summary>
    internal int LaneOfUser(string userId) => LaneIndex(CreditAccount.StreamIdFor(userId));

    private int LaneIndex(string streamId) =>
        _lanes.Length == 1 ? 0 : (int)((uint)StringComparer.Ordinal.GetHashCode(streamId) % (uint)_lanes.Length);

    private async Task RunAsync(Lane lane)
    {
        var batch = new List<LedgerChange>(_batchSize);
        var reader = lane.Queue.Reader;
        while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
        {
            batch.Clear();
            Drain(lane, batch);
            if (batch.Count > 0)
            {
                await WriteWithRetriesAsync(lane, batch).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Adds what is queued to the batch, up to its size; changes whose caller gave up are dropped.</summary>
    private void Drain(Lane lane, List<LedgerChange> batch)
    {
        while (batch.Count < _batchSize && lane.Queue.Reader.TryRead(out var change))
        {
            if (change.CallerToken.IsCancellationRequested)
            {
                change.Completion.TrySetCanceled(change.CallerToken);
                continue;
            }

            batch.Add(change);
        }
    }

    private async Task WriteWithRetriesAsync(Lane lane, List<LedgerChange> batch)
    {
        var backoff = FirstSettlementRetry;
        Attempt? unresolved = null;
        for (var attempt = 1; ; attempt++)
        {
            var current = new Attempt(unresolved);
            try
            {
                var outcomes = await WriteAsync(batch, current).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                {
                    outcomes[i].Complete(batch[i]);
                }

                return;
            }
            catch (Exception ex) when (IsRaceWorthRetrying(ex) && attempt < MaxBatchAttempts)
            {
                // Another instance opened one of these accounts between our lock and our insert: decide again on theirs.
                unresolved = current.Unresolved;
            }
            catch (Exception ex)
            {
                // A commit whose answer was lost may have been written: the retry looks for its mark before deciding.
                // A change of such a try that fails now may have been written: its caller is told so.
                unresolved = current.Unresolved;
                var inDoubt = unresolved?.Decided;

                // Its mark may be forgotten soon (the recovery job keeps them LedgerCommit.Retention, by its own clock):
                // a retry that no longer finds it would write these changes a second time. Given up instead: a capture
                // not written is revenue lost, a capture written twice charges a user twice.
                var givenUp = unresolved is not null && _time.GetUtcNow() - unresolved.CommittingAt > UnresolvedCommitLimit;
                if (givenUp)
                {
                    LogUnresolvedCommitGivenUp(_logger, batch.Count(inDoubt!.ContainsKey));
                    unresolved = null;
                }

                var failure = Translate(ex);
                if (failure is ServiceBusyException)
                {
                    LogBatchFailed(_logger, ex, batch.Count);
                }

                Exception FailureOf(LedgerChange change) => inDoubt?.ContainsKey(change) == true
                    ? new LedgerOutcomeUnknownException(
                        "The hub could not find out whether its credit ledger wrote this change; it was not written again.", BusyRetryAfter, ex)
                    : failure;

                // Holds are refused (the caller answers 503 and nothing was served); settlements of served calls stay
                // and are written again once the database has room. When this try reached its commit, every change of
                // it stays for the next try, which reads the commit's mark first: written, each is answered as decided
                // (a hold held, a cache hit's charge charged, a first lease leased) rather than refused after the fact.
                var retrySettlements = DatabaseSaturation.Matches(ex) && !_stopping.IsCancellationRequested;
                var reachedCommit = retrySettlements ? current.Decided : null;
                bool Keep(LedgerChange change) =>
                    !(givenUp && inDoubt!.ContainsKey(change)) && ((retrySettlements && change.Settles) || reachedCommit?.ContainsKey(change) == true);
                foreach (var change in batch.Where(c => !Keep(c)))
                {
                    change.Completion.TrySetException(FailureOf(change));
                }

                batch.RemoveAll(c => !Keep(c));
                if (batch.Count == 0)
                {
                    return;
                }

                LogSettlementsRetried(_logger, batch.Count, backoff.TotalMilliseconds);
                try
                {
                    await Task.Delay(backoff, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: the holds stay, and the recovery job settles them at the rate version they cite.
                    foreach (var change in batch)
                    {
                        change.Completion.TrySetException(FailureOf(change));
                    }

                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, LastSettlementRetry.Ticks));
                attempt = 0;
                // What queued meanwhile joins the retry: new holds are decided (or refused with 503) with it rather
                // than waiting behind it.
                Drain(lane, batch);
            }
        }
    }

    /// <summary>A container disposed synchronously: no new changes; what is queued is left (holds lapse to recovery).</summary>
    public void Dispose()
    {
        if (Complete())
        {
            _stopping.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!Complete())
        {
            return;
        }

        var loops = _lanes.Where(l => l.Loop.IsValueCreated).Select(l => l.Loop.Value).ToArray();
        try
        {
            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>Takes no new changes; false when that was done before.</summary>
    private bool Complete()
    {
        var completed = false;
        foreach (var lane in _lanes)
        {
            completed |= lane.Queue.Writer.TryComplete();
        }

        return completed;
    }

    /// <summary>One loop of the writer with its own queue and transactions, for the accounts <see cref="LaneOf"/> gives it.</summary>
    private sealed class Lane(int queueLimit)
    {
        public Channel<LedgerChange> Queue { get; } = Channel.CreateBounded<LedgerChange>(new BoundedChannelOptions(queueLimit)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        public Lazy<Task> Loop { get; set; } = null!;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} captures or releases of served calls wait for the database and are written again in {DelayMs} ms")]
    private static partial void LogSettlementsRetried(ILogger logger, int count, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} credit-ledger changes whose commit may have been written were given up: the database could not tell for half an hour, and writing them again could charge twice")]
    private static partial void LogUnresolvedCommitGivenUp(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} credit-ledger changes could not be written; their calls were refused with 503")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);

    private sealed record LedgerChange(
        string StreamId,
        string UserId,
        BillingSettings Settings,
        Func<CreditAccount, IReadOnlyList<object>> Decide,
        CancellationToken CallerToken,
        string? CallId,
        bool Settles)
    {
        public TaskCompletionSource<CreditAccount> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly record struct Outcome(CreditAccount? Account, Exception? Error, bool WasCancelled)
    {
        public static readonly Outcome Cancelled = new(null, null, true);

        public static Outcome Succeeded(CreditAccount account) => new(account, null, false);

        public static Outcome Failed(Exception error) => new(null, error, false);

        public void Complete(LedgerChange change)
        {
            if (WasCancelled)
            {
                change.Completion.TrySetCanceled(change.CallerToken);
            }
            else if (Error is not null)
            {
                change.Completion.TrySetException(Error);
            }
            else
            {
                change.Completion.TrySetResult(Account!);
            }
        }
    }
}
