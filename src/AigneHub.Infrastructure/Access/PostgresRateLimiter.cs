using AigneHub.Application.Access.RateLimits;

namespace AigneHub.Infrastructure.Access;

/// <summary>
/// Fixed one-minute windows counted in one PostgreSQL table that every instance shares. An instance takes slots of a
/// window from the table in leases — one <c>INSERT … ON CONFLICT DO UPDATE … RETURNING</c> adds the lease to the key's
/// and the user's window and reads the new totals atomically, and whatever would pass a limit is handed back at once —
/// and then admits calls from its leases in memory. A lease is a sixteenth of what the window has left (at most 64
/// requests), never less than the call needs: a busy key with a high limit pays one round trip per few dozen calls,
/// and near the limit leases shrink to single slots, so the limit stays exact across instances (a slot is in the table
/// before any instance admits a call with it). What the leases cost is the other way: slots one instance leased and
/// did not use by the window's end are not used by another (at most a sixteenth of the window), and the tokens a call
/// really used beyond its estimate are added to the table once its instance's lease is overdrawn. Unused slots of the
/// current window go back to the table when the instance stops. Windows older than two minutes are deleted every minute.
/// </summary>
internal sealed partial class PostgresRateLimiter(
    NpgsqlDataSource data,
    AccessKeyCache keys,
    TimeProvider time,
    IOptions<RateLimitOptions> options,
    ILogger<PostgresRateLimiter> logger) : IRateLimiter, IHostedService, IAsyncDisposable
{
    /// <summary>A lease is this fraction of what the window has left …</summary>
    private const int LeaseDivisor = 16;

    /// <summary>… and at most this many requests (or this many calls' worth of tokens).</summary>
    private const int MaxLeaseCalls = 64;

    // The hub's main pool (ConnectionBudget), not a pool of its own outside the budget.
    private readonly NpgsqlDataSource _data = data;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _leasesLock = new();
    private readonly Dictionary<(string Subject, DateTimeOffset Window), Lease> _leases = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _claiming = new(StringComparer.Ordinal);
    private Task _pruning = Task.CompletedTask;
    private DateTimeOffset _prunedUpTo;

    /// <summary>How many keys have a claim gate (one per key with a lease in the current window, or being claimed for).</summary>
    internal int ClaimGates => _claiming.Count;

    public async ValueTask<RateAdmission> AdmitAsync(Caller caller, int estimatedTokens, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var limits = LimitsFor(caller);
        if (limits.Count == 0)
        {
            return RateAdmission.Unlimited(window, estimatedTokens);
        }

        var resetsIn = window.AddMinutes(1) - now;
        if (TryTake(limits, window, estimatedTokens, resetsIn, refuse: false) is { } fromLease)
        {
            return fromLease;
        }

        // One claim at a time per key: callers that queue here find the lease the first one took.
        var claiming = _claiming.GetOrAdd(limits[0].Subject, static _ => new SemaphoreSlim(1, 1));
        await claiming.WaitAsync(cancellationToken);
        try
        {
            if (TryTake(limits, window, estimatedTokens, resetsIn, refuse: false) is { } taken)
            {
                return taken;
            }

            await ClaimAsync(limits, window, estimatedTokens, cancellationToken);
            return TryTake(limits, window, estimatedTokens, resetsIn, refuse: true)!;
        }
        finally
        {
            claiming.Release();
        }
    }

    public async ValueTask CorrectAsync(Caller caller, RateAdmission admission, int actualTokens, CancellationToken cancellationToken)
    {
        var delta = actualTokens - admission.EstimatedTokens;
        var limits = LimitsFor(caller).Where(l => l.Tokens > 0).ToList();
        if (delta == 0 || limits.Count == 0)
        {
            return;
        }

        // Counted against the lease the call was admitted from; only a lease the call overdraws reaches the table.
        var overdrawn = new List<(string Subject, long Requests, long Tokens)>();
        lock (_leasesLock)
        {
            foreach (var limit in limits)
            {
                if (_leases.TryGetValue((limit.Subject, admission.Window), out var lease))
                {
                    lease.UsedTokens += delta;
                    if (lease.UsedTokens > lease.Tokens)
                    {
                        overdrawn.Add((limit.Subject, 0, lease.UsedTokens - lease.Tokens));
                        lease.WindowTokens += lease.UsedTokens - lease.Tokens;
                        lease.Tokens = lease.UsedTokens;
                    }
                }
            }
        }

        if (overdrawn.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await _data.OpenConnectionAsync(cancellationToken);
            await RateWindowTable.AddAsync(connection, admission.Window, overdrawn, cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            // The table counts a little less than was used: other instances may admit a little more this minute.
            LogCorrectionFailed(logger, ex);
        }
    }

    /// <summary>
    /// Takes one request and the call's tokens from this instance's leases on every limit, or (when
    /// <paramref name="refuse"/>) says which limit the call does not fit; null when a lease is short and may be topped up.
    /// </summary>
    private RateAdmission? TryTake(List<SubjectLimit> limits, DateTimeOffset window, int estimatedTokens, TimeSpan resetsIn, bool refuse)
    {
        lock (_leasesLock)
        {
            string? exceeded = null;
            foreach (var limit in limits)
            {
                var lease = _leases.GetValueOrDefault((limit.Subject, window));
                if (limit.Requests > 0 && (lease is null || lease.Requests - lease.UsedRequests < 1))
                {
                    exceeded ??= $"{limit.Name} requests per minute (limit {limit.Requests})";
                }
                else if (limit.Tokens > 0 && (lease is null || lease.Tokens - lease.UsedTokens < estimatedTokens))
                {
                    exceeded ??= $"{limit.Name} tokens per minute (limit {limit.Tokens}, this call needs about {estimatedTokens})";
                }
            }

            if (exceeded is not null && !refuse)
            {
                return null;
            }

            RateAdmission? tightest = null;
            foreach (var limit in limits)
            {
                var lease = _leases.GetValueOrDefault((limit.Subject, window)) ?? new Lease();
                if (exceeded is null)
                {
                    lease.UsedRequests += 1;
                    lease.UsedTokens += estimatedTokens;
                }

                // Used in the window by every instance, as far as this one knows: the table's total less its own unused lease.
                var requests = lease.WindowRequests - (lease.Requests - lease.UsedRequests);
                var tokens = lease.WindowTokens - (lease.Tokens - lease.UsedTokens);
                var candidate = new RateAdmission(
                    true, window, estimatedTokens,
                    limit.Requests > 0 ? limit.Requests : null, limit.Requests > 0 ? (int)Math.Clamp(limit.Requests - requests, 0, limit.Requests) : null,
                    limit.Tokens > 0 ? limit.Tokens : null, limit.Tokens > 0 ? (int)Math.Clamp(limit.Tokens - tokens, 0, limit.Tokens) : null,
                    resetsIn, null);
                if (tightest is null || Remaining(candidate) < Remaining(tightest))
                {
                    tightest = candidate;
                }
            }

            return exceeded is null ? tightest : tightest! with { Admitted = false, ExceededBy = exceeded };
        }
    }

    /// <summary>Tops up every lease too short for the call from the table, handing back at once what would pass a limit.</summary>
    private async Task ClaimAsync(List<SubjectLimit> limits, DateTimeOffset window, int estimatedTokens, CancellationToken cancellationToken)
    {
        var claims = new List<(string Subject, long Requests, long Tokens)>(limits.Count);
        lock (_leasesLock)
        {
            foreach (var limit in limits)
            {
                var lease = _leases.GetValueOrDefault((limit.Subject, window)) ?? new Lease();
                var requests = limit.Requests > 0 && lease.Requests - lease.UsedRequests < 1
                    ? Math.Clamp((limit.Requests - lease.WindowRequests) / LeaseDivisor, 1, MaxLeaseCalls)
                    : 0;
                var shortBy = estimatedTokens - (lease.Tokens - lease.UsedTokens);
                var tokens = limit.Tokens > 0 && shortBy > 0
                    ? Math.Max(shortBy, Math.Min((limit.Tokens - lease.WindowTokens) / LeaseDivisor, (long)MaxLeaseCalls * estimatedTokens))
                    : 0;
                if (requests > 0 || tokens > 0)
                {
                    claims.Add((limit.Subject, requests, tokens));
                }
            }
        }

        if (claims.Count == 0)
        {
            return;
        }

        await using var connection = await _data.OpenConnectionAsync(cancellationToken);
        var totals = await RateWindowTable.AddAsync(connection, window, claims, cancellationToken);
        var handBack = new List<(string Subject, long Requests, long Tokens)>();
        lock (_leasesLock)
        {
            foreach (var (subject, requests, tokens) in claims)
            {
                var limit = limits.First(l => l.Subject == subject);
                var (windowRequests, windowTokens) = totals[subject];
                var extraRequests = limit.Requests > 0 ? Math.Clamp(windowRequests - limit.Requests, 0, requests) : 0;
                var extraTokens = limit.Tokens > 0 ? Math.Clamp(windowTokens - limit.Tokens, 0, tokens) : 0;
                if (extraRequests > 0 || extraTokens > 0)
                {
                    handBack.Add((subject, -extraRequests, -extraTokens));
                }

                if (!_leases.TryGetValue((subject, window), out var lease))
                {
                    PruneLeases(window);
                    _leases[(subject, window)] = lease = new Lease();
                }

                lease.Requests += requests - extraRequests;
                lease.Tokens += tokens - extraTokens;
                lease.WindowRequests = Math.Max(lease.WindowRequests, windowRequests - extraRequests);
                lease.WindowTokens = Math.Max(lease.WindowTokens, windowTokens - extraTokens);
            }
        }

        if (handBack.Count > 0)
        {
            await RateWindowTable.AddAsync(connection, window, handBack, cancellationToken);
        }
    }

    /// <summary>
    /// Once per window (under the leases' lock): forgets leases of windows that ended, and the claim gates of keys left
    /// without a lease that nobody is claiming for, so a hub that sees many keys keeps a gate per key in use, not per
    /// key ever seen. A caller that took a gate just before it went has it to itself: at worst two claims of one key
    /// race, which the table's atomic add settles.
    /// </summary>
    private void PruneLeases(DateTimeOffset current)
    {
        if (current <= _prunedUpTo)
        {
            return;
        }

        _prunedUpTo = current;
        foreach (var key in _leases.Keys.Where(k => k.Window < current).ToList())
        {
            _leases.Remove(key);
        }

        var leased = _leases.Keys.Select(k => k.Subject).ToHashSet(StringComparer.Ordinal);
        foreach (var (subject, gate) in _claiming)
        {
            if (gate.CurrentCount == 1 && !leased.Contains(subject))
            {
                _claiming.TryRemove(subject, out _);
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await RateWindowTable.CreateAsync(_data, cancellationToken);

        _pruning = Task.Run(
            () => PollingLoop.RunAsync(
                TimeSpan.FromMinutes(1),
                TimeProvider.System,
                stopping => RateWindowTable.DeleteBeforeAsync(_data, time.GetUtcNow().AddMinutes(-2), stopping),
                ex => LogPruneFailed(logger, ex),
                static ex => ex is NpgsqlException,
                _stopping.Token),
            CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _pruning.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await HandBackUnusedAsync(cancellationToken);
    }

    /// <summary>Returns this instance's unused slots of the current window to the table, so a restart does not strand them.</summary>
    private async Task HandBackUnusedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        List<(string Subject, long Requests, long Tokens)> unused;
        lock (_leasesLock)
        {
            unused = [.. _leases
                .Where(l => l.Key.Window == window && (l.Value.Requests > l.Value.UsedRequests || l.Value.Tokens > l.Value.UsedTokens))
                .Select(l => (l.Key.Subject, -Math.Max(0, l.Value.Requests - l.Value.UsedRequests), -Math.Max(0, l.Value.Tokens - l.Value.UsedTokens)))];
            _leases.Clear();
        }

        if (unused.Count == 0)
        {
            return;
        }

        try
        {
            await using var connection = await _data.OpenConnectionAsync(cancellationToken);
            await RateWindowTable.AddAsync(connection, window, unused, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
        {
            LogHandBackFailed(logger, ex);
        }
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }

    private List<SubjectLimit> LimitsFor(Caller caller)
    {
        var defaults = options.Value;
        var limits = new List<SubjectLimit>(2);
        if (caller.KeyId is { } keyId)
        {
            var (rpm, tpm) = keys.LimitsOf(keyId);
            var requests = rpm ?? defaults.Key.RequestsPerMinute;
            var tokens = tpm ?? defaults.Key.TokensPerMinute;
            if (requests > 0 || tokens > 0)
            {
                limits.Add(new SubjectLimit($"key:{keyId}", "this key's", requests, tokens));
            }
        }

        if (defaults.User.RequestsPerMinute > 0 || defaults.User.TokensPerMinute > 0)
        {
            limits.Add(new SubjectLimit($"user:{caller.UserId}", "your user's", defaults.User.RequestsPerMinute, defaults.User.TokensPerMinute));
        }

        return limits;
    }

    private static long Remaining(RateAdmission admission) =>
        Math.Min(admission.RemainingRequests ?? long.MaxValue, admission.RemainingTokens is { } t ? t / 1_000 : long.MaxValue);

    private sealed record SubjectLimit(string Subject, string Name, int Requests, int Tokens);

    /// <summary>
    /// This instance's share of one subject's window: slots leased from the table and used here, and the window's
    /// totals in the table (every instance's leases) as of this instance's last claim. Guarded by the leases' lock.
    /// </summary>
    private sealed class Lease
    {
        public long Requests;
        public long Tokens;
        public long UsedRequests;
        public long UsedTokens;
        public long WindowRequests;
        public long WindowTokens;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adding the tokens calls used beyond their estimate to the rate-limit window failed; other instances may admit a little more this minute")]
    private static partial void LogCorrectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing unused rate-limit slots back at shutdown failed; they stay unused until the minute ends")]
    private static partial void LogHandBackFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting old rate-limit windows failed; retrying in a minute")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
