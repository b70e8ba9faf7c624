using AigneHub.Application.Abstractions;
using System.Collections.Concurrent;
using AigneHub.Application.Caching;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application.Caching;

/// <summary>Cached answers in memory, by key.</summary>
internal sealed class MemoryResponseCacheStore : IResponseCacheStore
{
    private readonly ConcurrentDictionary<string, CachedAnswer> _answers = new();

    public IReadOnlyCollection<CachedAnswer> Stored => _answers.Values.ToArray();

    public Task<CachedAnswer?> FindAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_answers.TryGetValue(key, out var answer) ? answer : null);

    public Task SaveAsync(CachedAnswer answer, CancellationToken cancellationToken)
    {
        _answers[answer.Key] = answer;
        return Task.CompletedTask;
    }

    public Task<int> PurgeAsync(string? scope, string? model, CancellationToken cancellationToken)
    {
        var purged = _answers.Values.Where(a => (scope is null || a.Scope == scope) && (model is null || a.Model == model)).ToArray();
        foreach (var answer in purged)
        {
            _answers.TryRemove(answer.Key, out _);
        }

        return Task.FromResult(purged.Length);
    }

    public Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) => Task.FromResult(0);
}

/// <summary>The directive a test sets, and the outcome the cache reported.</summary>
internal sealed class SettableCacheRequest : ICacheRequestContext
{
    public CacheDirective Directive { get; set; }

    public int? TtlSeconds { get; set; }

    public CacheOutcome? Outcome { get; set; }

    public string? ServedBy { get; set; }
}
