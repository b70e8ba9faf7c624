using System.Collections.Concurrent;

namespace AigneHub.Application.Billing;

/// <summary>
/// The holds of the calls this instance is running, kept alive while the calls last. <see cref="CallBilling"/> tracks a
/// call from its hold to its settlement; every <see cref="BillingOptions.HoldRenewalPeriod"/>, <see cref="RenewAsync"/>
/// writes a <see cref="HoldLease"/> (valid for <see cref="BillingOptions.HoldMinutes"/>) for each call older than one
/// period, in one batch. Short calls never write a lease. When the instance dies, its leases lapse and the
/// hold-recovery job settles the holds. A call tracked for <see cref="MaxRenewedAge"/> is no longer renewed: no call
/// runs that long (provider timeouts end them first), so it lost its settlement, and renewing it would keep its credits
/// held until the instance restarts.
/// </summary>
internal sealed partial class HoldLeases(IDocumentStore store, TimeProvider time, IOptions<BillingOptions> options, HubInstance instance, ILogger<HoldLeases> logger)
{
    /// <summary>How long a call's hold is renewed at most.</summary>
    public static readonly TimeSpan MaxRenewedAge = TimeSpan.FromHours(24);

    private readonly string Owner = instance.Id;
    private readonly ConcurrentDictionary<string, Call> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _ended = new(StringComparer.Ordinal);

    /// <summary>How many calls this instance holds credits for right now.</summary>
    public int InFlight => _calls.Count;

    public void Track(string callId, string userId) => _calls[callId] = new Call(userId, time.GetUtcNow());

    /// <summary>The call settled (or gave up settling, so recovery will): its lease, if it has one, is deleted at the next renewal.</summary>
    public void Forget(string callId)
    {
        if (_calls.TryRemove(callId, out var call) && call.Leased)
        {
            _ended[callId] = 0;
        }
    }

    /// <summary>Renews the leases of the calls running longer than a renewal period, and deletes those of calls that ended.</summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        foreach (var (callId, call) in _calls.Where(c => now - c.Value.HeldAt > MaxRenewedAge).ToArray())
        {
            Forget(callId);
            LogAbandoned(logger, callId, call.UserId);
        }

        var due = _calls.Where(c => now - c.Value.HeldAt >= settings.HoldRenewalPeriod).ToArray();
        var ended = _ended.Keys.ToArray();
        if (due.Length == 0 && ended.Length == 0)
        {
            return;
        }

        try
        {
            await using var session = store.LightweightSession();
            var expiresAt = now.AddMinutes(settings.HoldMinutes);
            if (due.Length > 0)
            {
                session.Store(due.Select(c => new HoldLease { Id = c.Key, UserId = c.Value.UserId, Owner = Owner, ExpiresAt = expiresAt }).ToArray());
            }

            foreach (var callId in ended)
            {
                session.Delete<HoldLease>(callId);
            }

            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The leases written last time still run for most of HoldMinutes: the next renewal tries again.
            LogRenewalFailed(logger, ex, due.Length);
            return;
        }

        foreach (var callId in ended)
        {
            _ended.TryRemove(callId, out _);
        }

        foreach (var (callId, call) in due)
        {
            call.Leased = true;
            if (!_calls.ContainsKey(callId))
            {
                // Settled while its lease was being written: delete that lease next time.
                _ended[callId] = 0;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Call {CallId} of user {UserId} has held credits for a day without settling; its hold is no longer renewed and hold recovery will settle it")]
    private static partial void LogAbandoned(ILogger logger, string callId, string userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the holds of {Count} calls in flight failed; retrying at the next renewal")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, int count);

    private sealed class Call(string userId, DateTimeOffset heldAt)
    {
        private volatile bool _leased;

        public string UserId { get; } = userId;

        public DateTimeOffset HeldAt { get; } = heldAt;

        public bool Leased
        {
            get => _leased;
            set => _leased = value;
        }
    }
}
