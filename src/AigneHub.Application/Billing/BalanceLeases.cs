using System.Collections.Concurrent;
using AigneHub.Application.Observability;

namespace AigneHub.Application.Billing;

/// <summary>
/// This instance's balance leases (ADR 0024). Once an account is busy here (<see cref="BillingOptions.LeaseAfterHolds"/>
/// holds within a second), or the instance is (four times as many holds of all accounts), the instance leases part of its available balance in one ledger change
/// (<see cref="CreditLedger.Lease"/>, under the account's row lock, so instances never lease more than there is) and
/// serves the account's holds from the lease in memory, with no database round trip. Captures are queued and written
/// behind, every <see cref="BillingOptions.LedgerFlushMilliseconds"/>, through the <see cref="CreditLedgerWriter"/>
/// (one ledger entry per call, queued once and written once: ADR 0027); releases of such calls change nothing in the ledger. A lease is
/// topped up in the background before it runs dry, renewed while used, returned when idle and when the instance
/// stops; a lapsed one (its instance died) is returned by hold recovery. A hold the lease cannot cover takes the
/// direct path (<see cref="CallBilling"/>), so correctness never depends on a lease.
/// </summary>
internal sealed partial class BalanceLeases : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan RetryAfterRefusal = TimeSpan.FromSeconds(1);

    /// <summary>A lease covers at least this many holds like the one that asked for it (before the percentage cap).</summary>
    private const int MinimumLeaseHolds = 64;

    /// <summary>How many times <see cref="BillingOptions.LeaseAfterHolds"/> holds of all accounts make the instance busy.</summary>
    private const int InstanceBusyFactor = 4;

    private readonly CreditLedgerWriter _ledger;
    private readonly TimeProvider _time;
    private readonly BillingOptions _options;
    private readonly ILogger<BalanceLeases> _logger;
    private readonly HubMetrics? _metrics;
    private readonly ConcurrentDictionary<string, AccountLease> _accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, AccountLease> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<PendingCapture> _pending = new();

    // The flushes handing captures to the writer right now: a flush waits for those that began before it ended.
    private readonly ConcurrentDictionary<Task, byte> _flushes = new();

    // The lease changes (leases, top-ups, renewals, returns) in flight. The timer starts them and goes on without waiting,
    // so captures keep being flushed every interval while the writer batches the changes; stopping waits for them.
    private readonly ConcurrentDictionary<Task, byte> _changes = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lazy<Task> _loop;
    private readonly Lock _window = new();
    private DateTimeOffset _windowStart;
    private int _windowHolds;
    private int _lastWindowHolds;
    private volatile bool _stopped;
    private long _unwritten;

    public BalanceLeases(
        CreditLedgerWriter ledger, TimeProvider time, IOptions<BillingOptions> options, HubInstance instance, ILogger<BalanceLeases> logger, HubMetrics? metrics = null)
    {
        _metrics = metrics;
        Owner = instance.Id;
        _ledger = ledger;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _loop = new Lazy<Task>(() => Task.Run(RunAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>This instance, as its leases name it (<see cref="HubInstance"/>).</summary>
    public string Owner { get; }

    /// <summary>Captures queued and not yet handed to the ledger writer.</summary>
    public int PendingCaptures => _pending.Count;

    /// <summary>Captures of calls served from leases that are not written yet (queued here or in the writer).</summary>
    public long UnwrittenCaptures => Interlocked.Read(ref _unwritten);

    /// <summary>
    /// Holds <paramref name="amount"/> for the call from the account's lease, in memory, when the lease can cover it;
    /// false sends the call to the direct hold path. Counts the hold as the account's use here, which may start (or
    /// top up) a lease in the background.
    /// </summary>
    public bool TryHold(string userId, string callId, decimal amount, BillingSettings settings) =>
        TryHold(userId, callId, amount, settings, count: true, out _, out _);

    /// <summary>
    /// Like <see cref="TryHold(string, string, decimal, BillingSettings)"/>, but a call the lease could cover, refused
    /// only because the captures waiting to be written reached <see cref="BillingOptions.LeaseUnwrittenLimit"/>, first
    /// has them written (it joins the flush: every call waiting so shares its transactions) and is then served from the
    /// lease: a hold and a capture of its own would add two ledger changes to a ledger that is already behind. It waits
    /// at most <see cref="BillingOptions.LeaseRoomWaitMilliseconds"/> for that, then takes the direct path. So does a
    /// call on an account whose first lease is being written (the call that started it, or one that came meanwhile): it
    /// waits for the lease, one ledger change shared with the others of its batch, and is served from it, where a direct
    /// path would write a hold of its own and then its capture, both while the caller waits.
    /// </summary>
    public async ValueTask<bool> HoldAsync(string userId, string callId, decimal amount, BillingSettings settings, CancellationToken cancellationToken)
    {
        if (TryHold(userId, callId, amount, settings, count: true, out var behind, out var leasing))
        {
            return true;
        }

        if (!(behind || leasing is not null) || _options.LeaseRoomWaitMilliseconds == 0)
        {
            return false;
        }

        try
        {
            await (leasing ?? FlushAsync()).WaitAsync(TimeSpan.FromMilliseconds(_options.LeaseRoomWaitMilliseconds), _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }

        return TryHold(userId, callId, amount, settings, count: false, out _, out _);
    }

    /// <param name="leasing">When the call was not served: the account's first lease being written, which may serve it once written.</param>
    private bool TryHold(string userId, string callId, decimal amount, BillingSettings settings, bool count, out bool behind, out Task? leasing)
    {
        behind = false;
        leasing = null;
        if (_stopped || !_options.LeaseBalance)
        {
            return false;
        }

        var now = _time.GetUtcNow();
        var instanceBusy = count && NoteInstanceHold(now);
        var account = _accounts.GetOrAdd(userId, id => new AccountLease(id));
        bool served, topUp, firstLease;
        lock (account)
        {
            account.Settings = settings;
            if (count)
            {
                account.Note(amount, now);
            }

            // The ledger must keep up: past the limit of unwritten captures, calls wait for it.
            var covered = account.Active && account.Free >= amount && now < account.ServeUntil;
            served = covered && Interlocked.Read(ref _unwritten) < _options.LeaseUnwrittenLimit;
            behind = covered && !served;
            if (served)
            {
                account.Free -= amount;
                account.Holds[callId] = amount;
                account.LastUsed = now;
                _calls[callId] = account;
            }

            topUp = !account.Busy && now >= account.RetryAt
                && (account.Active
                    ? account.Free < Math.Max(amount * 2, account.Size / 2)
                    : account.RecentHolds >= _options.LeaseAfterHolds || instanceBusy);
            account.Busy |= topUp;
            firstLease = topUp && !account.Active;
            if (!served && !account.Active && account.Leasing is { IsCompleted: false } inFlight)
            {
                leasing = inFlight;
            }
        }

        if (topUp)
        {
            _ = _loop.Value;
            var change = LeaseAsync(account, amount);
            Track(change);
            if (firstLease)
            {
                lock (account)
                {
                    account.Leasing = change;
                }

                leasing = change;
            }
        }

        return served;
    }

    /// <summary>
    /// Counts a hold of any account; true when this instance is busy (<see cref="InstanceBusyFactor"/> times
    /// <see cref="BillingOptions.LeaseAfterHolds"/> holds within about a second): then every account it holds for is
    /// worth a lease, since the ledger, not any one account, is what the calls would wait for.
    /// </summary>
    private bool NoteInstanceHold(DateTimeOffset now)
    {
        lock (_window)
        {
            var elapsed = now - _windowStart;
            if (elapsed >= TimeSpan.FromSeconds(1))
            {
                _lastWindowHolds = elapsed < TimeSpan.FromSeconds(2) ? _windowHolds : 0;
                (_windowStart, _windowHolds) = (now, 0);
            }

            _windowHolds++;
            return _windowHolds + _lastWindowHolds >= _options.LeaseAfterHolds * InstanceBusyFactor;
        }
    }

    /// <summary>
    /// Settles a call served from a lease: its cost leaves the lease in memory now, and its capture is queued for the
    /// next flush. False when the call was not served from a lease (it has a hold of its own).
    /// </summary>
    public bool TryCapture(string callId, decimal cost, string? rateId, int? rateVersion, TokenUsage usage, decimal? costUsd)
    {
        if (!_calls.TryRemove(callId, out var account))
        {
            return false;
        }

        var at = _time.GetUtcNow();
        string leaseId;
        BillingSettings settings;
        lock (account)
        {
            account.Holds.Remove(callId, out var held);
            // More than the hold (never, with a ceiling hold) comes out of what is free; the ledger takes any rest from the balance.
            account.Free = Math.Max(0, account.Free + held - cost);
            account.LastUsed = at;
            leaseId = account.LeaseId!;
            settings = account.Settings!;
        }

        Interlocked.Increment(ref _unwritten);
        _pending.Enqueue(new PendingCapture(account.UserId, settings, leaseId, callId, cost, rateId, rateVersion, usage, costUsd, at));
        if (_stopped)
        {
            // No timer writes it any more: hand it to the writer now.
            _ = FlushAsync();
        }

        return true;
    }

    /// <summary>Gives a call's hold back to its lease (nothing to write: the ledger never saw it). False when the call has a hold of its own.</summary>
    public bool TryRelease(string callId)
    {
        if (!_calls.TryRemove(callId, out var account))
        {
            return false;
        }

        lock (account)
        {
            account.Holds.Remove(callId, out var held);
            account.Free += held;
            account.LastUsed = _time.GetUtcNow();
        }

        return true;
    }

    /// <summary>
    /// Hands every queued capture to the ledger writer (which writes what waits in one transaction) and waits for them,
    /// and for the captures an earlier flush (the timer's) handed over and the writer has not finished: a balance read
    /// after it sees every call this instance answered.
    /// </summary>
    public async Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushes.TryAdd(done.Task, 0);
        try
        {
            var batch = new List<PendingCapture>();
            while (_pending.TryDequeue(out var capture))
            {
                batch.Add(capture);
            }

            if (batch.Count > 0)
            {
                // Queued in order, without waiting in between: the writer's next transaction takes them all.
                await Task.WhenAll(batch.Select(WriteAsync)).ConfigureAwait(false);
            }
        }
        finally
        {
            _flushes.TryRemove(done.Task, out _);
            done.SetResult();
        }

        // Flushes in flight complete whatever their writes do (a failed capture is logged, never thrown).
        var earlier = _flushes.Keys.ToArray();
        if (earlier.Length > 0)
        {
            await Task.WhenAll(earlier).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(PendingCapture capture)
    {
        try
        {
            // No settlement to read or write (ADR 0027): the call has no hold, and the writer writes its capture once.
            await _ledger.SettleAsync(capture.UserId, capture.Settings, capture.Decide, callId: null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (LedgerOutcomeUnknownException ex)
        {
            LogCaptureInDoubt(_logger, ex, capture.CallId, capture.UserId);
            _metrics?.RecordLostCapture(capture.Cost, mayHaveBeenWritten: true);
        }
        catch (Exception ex)
        {
            // The writer retries what the database could not take for now; this is what failed otherwise (or came after
            // it stopped). The call has no hold in the ledger for recovery to capture: its cost is counted where an
            // operator sees it.
            LogCaptureFailed(_logger, ex, capture.CallId, capture.UserId);
            _metrics?.RecordLostCapture(capture.Cost, mayHaveBeenWritten: false);
        }
        finally
        {
            Interlocked.Decrement(ref _unwritten);
        }
    }

    /// <summary>
    /// How much more to lease: enough for <see cref="BillingOptions.LeaseSeconds"/> of the account's recent holds here
    /// (at least <see cref="MinimumLeaseHolds"/> holds of this size), at most
    /// <see cref="BillingOptions.LeasePercent"/> of what is available, and nothing when that is less than two such holds:
    /// near zero, a balance stays with the account, usable from any instance.
    /// </summary>
    private decimal Size(decimal available, decimal ratePerSecond, decimal hold, decimal free)
    {
        var wanted = Math.Max(ratePerSecond * _options.LeaseSeconds, hold * MinimumLeaseHolds) - free;
        var size = Domain.Billing.Credits.Round(Math.Min(wanted, available * _options.LeasePercent / 100m));
        return size < hold * 2 || size > available ? 0m : size;
    }

    /// <summary>A capture queued for the next flush: what the writer decides on the account (one object per call, no closure).</summary>
    private sealed class PendingCapture(
        string userId, BillingSettings settings, string leaseId, string callId, decimal cost, string? rateId, int? rateVersion, TokenUsage usage, decimal? costUsd,
        DateTimeOffset at)
    {
        public string UserId => userId;

        public BillingSettings Settings => settings;

        public string CallId => callId;

        public decimal Cost => cost;

        public IReadOnlyList<object> Decide(CreditAccount current) =>
            CreditLedger.CaptureFromLease(current, leaseId, new CallCapture(callId, cost, rateId, rateVersion, usage, costUsd), at);
    }
}
