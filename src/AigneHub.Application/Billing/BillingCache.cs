using System.Collections.Concurrent;

namespace AigneHub.Application.Billing;

/// <summary>
/// Settings and rates for the call path, read at most once per <see cref="BillingOptions.CacheSeconds"/> per instance.
/// Writers in this instance clear it, so an operator's change applies to the next call; other instances catch up
/// within the cache time. It also remembers which accounts the ledger last found too short for a call, and how much
/// they had available then: only a hint for refusing at once (<see cref="CallBilling"/>), which a plain read confirms.
/// </summary>
internal sealed class BillingCache(IDocumentStore store, TimeProvider time, IOptions<BillingOptions> options)
{
    // Keyed by the rate's parts, not its stream id: a hit builds no string.
    private readonly ConcurrentDictionary<(CallType Type, string Provider, string Model), Entry<ModelRate?>> _rates = new();
    private readonly ConcurrentDictionary<string, decimal> _short = new(StringComparer.Ordinal);
    private Entry<BillingSettings>? _settings;

    /// <summary>At most this many short accounts are remembered; past it the hints start over (they are only hints).</summary>
    private const int MaxShortAccounts = 100_000;

    public async ValueTask<BillingSettings> SettingsAsync(CancellationToken cancellationToken)
    {
        if (_settings is { } cached && Fresh(cached.LoadedAt))
        {
            return cached.Value;
        }

        var settings = await BillingStreams.LoadSettingsAsync(store, cancellationToken);
        _settings = new Entry<BillingSettings>(settings, time.GetUtcNow());
        return settings;
    }

    public async ValueTask<ModelRate?> RateAsync(CallType type, string provider, string model, CancellationToken cancellationToken)
    {
        if (_rates.TryGetValue((type, provider, model), out var cached) && Fresh(cached.LoadedAt))
        {
            return cached.Value;
        }

        await using var session = store.QuerySession();
        var rate = await session.LoadAsync<ModelRate>(ModelRate.StreamIdFor(type, provider, model), cancellationToken);
        _rates[(type, provider, model)] = new Entry<ModelRate?>(rate, time.GetUtcNow());
        return rate;
    }

    /// <summary>What the account had available when the ledger last found it too short for a call; null when it did not.</summary>
    public decimal? ShortAvailable(string userId) => _short.TryGetValue(userId, out var available) ? available : null;

    /// <summary>Remembers that the account had only <paramref name="available"/> credits for a call that needed more.</summary>
    public void NoteShort(string userId, decimal available)
    {
        if (_short.Count >= MaxShortAccounts)
        {
            _short.Clear();
        }

        _short[userId] = available;
    }

    /// <summary>Forgets the account's shortage: the ledger just held a call for it.</summary>
    public void ForgetShort(string userId) => _short.TryRemove(userId, out _);

    /// <summary>The user's credit account as last committed: one plain read, no lock; null when it has none yet.</summary>
    public Task<CreditAccount?> AccountAsync(string userId, CancellationToken cancellationToken) =>
        CreditAccounts.LoadAsync(store, userId, cancellationToken);

    public void Invalidate()
    {
        _settings = null;
        _rates.Clear();
    }

    private bool Fresh(DateTimeOffset loadedAt) => time.GetUtcNow() - loadedAt < TimeSpan.FromSeconds(options.Value.CacheSeconds);

    private sealed record Entry<T>(T Value, DateTimeOffset LoadedAt);
}
