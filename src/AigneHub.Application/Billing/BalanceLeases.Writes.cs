using System.Collections.Concurrent;

namespace AigneHub.Application.Billing;

/// <summary>The ledger changes of <see cref="BalanceLeases"/>: leasing, topping up, renewing and returning an account's lease.</summary>
internal sealed partial class BalanceLeases
{
    /// <summary>
    /// Leases (or tops up) part of the account's available balance, sized under its row lock; with
    /// <paramref name="amount"/> 0 only renews the lease (and finds out whether recovery took it).
    /// </summary>
    private async Task LeaseAsync(AccountLease account, decimal amount)
    {
        var now = _time.GetUtcNow();
        var expiresAt = now.AddMinutes(_options.HoldMinutes);
        string leaseId;
        decimal rate, free;
        BillingSettings settings;
        bool held;
        lock (account)
        {
            leaseId = account.LeaseId ??= $"lease:{Owner}:{Guid.CreateVersion7():N}";
            (rate, free, settings, held) = (account.RatePerSecond, account.Free, account.Settings!, account.Active);
        }

        var renewal = amount == 0m;
        var leased = 0m;
        var found = true;
        var failed = false;
        try
        {
            await _ledger.ChangeAsync(account.UserId, settings, current =>
            {
                found = current.Lease(leaseId) is not null;
                if (held && !found)
                {
                    // Recovery returned the lease this instance serves from: a top-up must not lease again under its id
                    // (the instance would go on serving what is free of the old one in memory, which the ledger took back).
                    return [];
                }

                leased = renewal ? 0m : Size(current.Available, rate, amount, free);
                return (renewal && found) || leased > 0m ? [CreditLedger.Lease(current, leaseId, Owner, leased, expiresAt, now)] : [];
            },
            CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogLeaseFailed(_logger, ex, account.UserId);
            leased = 0m;
            failed = true;
            found = !(renewal || held) || found;
        }

        lock (account)
        {
            if ((renewal || held) && !found)
            {
                // Recovery returned it (this instance looked dead), as a renewal or a top-up found: serve nothing more
                // from it; calls in flight are captured from the
                // account (a later lease pays what it can, the balance the rest).
                // Their holds went back with it: forgotten here, so that their end gives nothing back to a later lease
                // (which would then serve more than the ledger leased it, from a balance that lease already took).
                account.Active = false;
                account.Free = 0m;
                account.LeaseId = null;
                account.Holds.Clear();
            }
            else if (!failed && (leased > 0m || renewal))
            {
                account.Active = true;
                account.Free += leased;
                account.Size = Math.Max(leased, account.Free);
                account.ExpiresAt = expiresAt;
                account.RenewAt = now + _options.HoldRenewalPeriod;
                account.LastUsed = now;
            }
            else
            {
                // Too little to lease (the balance is near zero), or the ledger refused or failed: direct holds
                // meanwhile. A renewal that failed keeps the lease's expiry as the ledger has it, so the lease stops
                // serving before recovery may take it (ServeUntil), and is tried again after RetryAt.
                account.RetryAt = now + RetryAfterRefusal;
                if (!account.Active)
                {
                    account.LeaseId = null;
                }
            }

            account.Busy = false;
        }
    }

    /// <summary>Gives back the lease but for <paramref name="keep"/>, after writing the captures queued before.</summary>
    private async Task ReturnAsync(AccountLease account, decimal keep, string reason)
    {
        string? leaseId;
        BillingSettings settings;
        lock (account)
        {
            (leaseId, settings) = (account.LeaseId, account.Settings!);
            account.Active = false;
        }

        try
        {
            await FlushAsync().ConfigureAwait(false);
            if (leaseId is not null)
            {
                var now = _time.GetUtcNow();
                await _ledger.ChangeAsync(account.UserId, settings, current => CreditLedger.ReturnLease(current, leaseId, keep, reason, now), CancellationToken.None)
                    .ConfigureAwait(false);
            }

            lock (account)
            {
                account.Free = 0m;
                account.Size = 0m;
                if (account.Holds.Count == 0)
                {
                    account.LeaseId = null;
                }
            }
        }
        catch (Exception ex)
        {
            // Still leased: serve from it again and try to return it at the next idle tick.
            LogReturnFailed(_logger, ex, account.UserId);
            lock (account)
            {
                account.Active = !_stopped;
            }
        }
        finally
        {
            lock (account)
            {
                account.Busy = false;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The capture of call {CallId} (user {UserId}), served from a balance lease, could not be written")]
    private static partial void LogCaptureFailed(ILogger logger, Exception exception, string callId, string userId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The capture of call {CallId} (user {UserId}), served from a balance lease, may or may not have been written: the ledger could not tell; look for the call's hold_captured event on the user's account before charging it by hand")]
    private static partial void LogCaptureInDoubt(ILogger logger, Exception exception, string callId, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leasing or renewing part of the balance of user {UserId} failed; its calls take direct holds meanwhile")]
    private static partial void LogLeaseFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Returning the balance lease of user {UserId} failed; retrying when it is idle again")]
    private static partial void LogReturnFailed(ILogger logger, Exception exception, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The balance-lease timer's tick failed unexpectedly; the next tick runs as usual")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
