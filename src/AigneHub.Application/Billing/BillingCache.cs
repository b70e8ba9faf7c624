using System.Collections.Concurrent;

namespace AigneHub.Application.Billing;

/// <summary>
/// Settings and rates for the call path, read at most once per <see cref="BillingOptions.CacheSeconds"/> per instance.
/// Writers in this instance clear it, so an operator's change applies to the next call; other instances catch up
/// within the cache time.
/// </summary>
internal sealed class BillingCache(IDocumentStore store, TimeProvider time, IOptions<BillingOptions> options)
{
    private readonly ConcurrentDictionary<string, Entry<ModelRate?>> _rates = new(StringComparer.Ordinal);
    private Entry<BillingSettings>? _settings;

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
        var id = ModelRate.StreamIdFor(type, provider, model);
        if (_rates.TryGetValue(id, out var cached) && Fresh(cached.LoadedAt))
        {
            return cached.Value;
        }

        await using var session = store.QuerySession();
        var rate = await session.LoadAsync<ModelRate>(id, cancellationToken);
        _rates[id] = new Entry<ModelRate?>(rate, time.GetUtcNow());
        return rate;
    }

    public void Invalidate()
    {
        _settings = null;
        _rates.Clear();
    }

    private bool Fresh(DateTimeOffset loadedAt) => time.GetUtcNow() - loadedAt < TimeSpan.FromSeconds(options.Value.CacheSeconds);

    private sealed record Entry<T>(T Value, DateTimeOffset LoadedAt);
}
