using System.Collections.Concurrent;

namespace AigneHub.Application.Billing;

/// <summary>
/// The instance's timer of <see cref="BalanceLeases"/>: every <see cref="BillingOptions.LedgerFlushMilliseconds"/> it
/// writes the queued captures and starts the lease changes that fall due (renewals, idle returns) without waiting for
/// them; and the instance's stop, which waits for both and returns the leases.
/// </summary>
internal sealed partial class BalanceLeases
{
    /// <summary>
    /// The instance stops: no more holds from leases, queued captures are written, and every lease is returned but for
    /// the holds of calls still in flight (their captures follow; recovery returns what they leave once the lease lapses).
    /// </summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop.IsValueCreated)
        {
            // A tick under way finishes first: no renewal it starts can then cross a return below.
            await _loop.Value.ConfigureAwait(false);
        }

        await FlushAsync().ConfigureAwait(false);
        await Task.WhenAll(_changes.Keys).ConfigureAwait(false);

        // Returned a writer batch at a time: the writer takes each group in one transaction or a few.
        var returns = new List<Task>(_options.LedgerBatchSize);
        foreach (var account in _accounts.Values)
        {
            decimal keep;
            lock (account)
            {
                if (!account.Active)
                {
                    continue;
                }

                keep = account.Holds.Values.Sum();
            }

            returns.Add(ReturnAsync(account, keep, "the instance stopped"));
            if (returns.Count == _options.LedgerBatchSize)
            {
                await Task.WhenAll(returns).ConfigureAwait(false);
                returns.Clear();
            }
        }

        await Task.WhenAll(returns).ConfigureAwait(false);
    }

    /// <summary>Keeps a lease change in <see cref="_changes"/> until it ends (it logs its own failures, it never throws).</summary>
    private void Track(Task change)
    {
        _changes.TryAdd(change, 0);
        _ = change.ContinueWith(
            static (ended, changes) => ((ConcurrentDictionary<Task, byte>)changes!).TryRemove(ended, out _),
            _changes,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.LedgerFlushMilliseconds), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await TickAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogTickFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is left.
        }
    }

    /// <summary>
    /// Writes the queued captures, then starts returning idle leases and renewing the others in time, without waiting
    /// for them: a renewal waiting on one account's row lock, or a thousand leases falling due together, must not hold
    /// back the next flush. At most a writer batch of such changes is in flight; the rest wait for a later tick.
    /// </summary>
    private async Task TickAsync()
    {
        await FlushAsync().ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var idleAfter = TimeSpan.FromSeconds(_options.LeaseIdleSeconds);
        var room = _options.LedgerBatchSize - _changes.Count;
        foreach (var account in _accounts.Values)
        {
            // Past the room, the changes that fall due wait for a later tick; accounts long unused are still forgotten.
            var mayChange = room > 0;
            bool idle, renew;
            lock (account)
            {
                idle = mayChange && account.Active && !account.Busy && account.Holds.Count == 0 && now - account.LastUsed >= idleAfter;
                renew = mayChange && account.Active && !account.Busy && !idle && now >= account.RenewAt && now >= account.RetryAt;
                account.Busy |= idle || renew;
                // Decided idle: no call may take a hold from it between this decision and the return (which gives it
                // back in full); ReturnAsync serves from it again only if the return fails.
                account.Active &= !idle;
            }

            if (idle)
            {
                Track(ReturnAsync(account, 0m, "idle"));
                room--;
            }
            else if (renew)
            {
                Track(LeaseAsync(account, 0m));
                room--;
            }
            else if (!account.Active && !account.Busy && now - account.LastUsed >= idleAfter && account.Holds.Count == 0)
            {
                _accounts.TryRemove(new KeyValuePair<string, AccountLease>(account.UserId, account));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stopped)
        {
            try
            {
                await StopAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or ObjectDisposedException)
            {
                // Recovery returns the leases once they lapse.
            }
        }

        if (_loop.IsValueCreated)
        {
            await _loop.Value.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>A container disposed synchronously: the loop stops, and the leases lapse for hold recovery to return.</summary>
    public void Dispose()
    {
        if (!_stopped)
        {
            _stopped = true;
            _stopping.Cancel();
        }
    }
}
