using AigneHub.Application.Caching;
using Microsoft.Extensions.Caching.Memory;

namespace AigneHub.Infrastructure.Caching;

/// <summary>
/// The shared table (Marten documents) behind this instance's bounded in-memory front. The front keeps an answer at
/// most <see cref="ResponseCacheOptions.MemorySeconds"/> (and never past its expiry), sized by its serialized length
/// against <see cref="ResponseCacheOptions.MemoryBytes"/>, so a purge on another instance reaches this one within that
/// time. An expired row is never served, and is deleted when a read finds it.
/// </summary>
internal sealed class ResponseCacheStore(IDocumentStore store, TimeProvider time, IOptions<ResponseCacheOptions> options) : IResponseCacheStore, IDisposable
{
    private readonly MemoryCache _memory = new(new MemoryCacheOptions { SizeLimit = options.Value.MemoryBytes, Clock = null });

    public async Task<CachedAnswer?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_memory.TryGetValue(key, out CachedAnswer? remembered) && remembered is not null)
        {
            if (remembered.ExpiresAt > now)
            {
                return remembered;
            }

            _memory.Remove(key);
        }

        await using var session = store.LightweightSession();
        var document = await session.LoadAsync<CachedAnswerDocument>(key, cancellationToken);
        if (document is null)
        {
            return null;
        }

        if (document.ExpiresAt <= now)
        {
            session.DeleteWhere<CachedAnswerDocument>(d => d.Id == key && d.ExpiresAt <= now);
            await session.SaveChangesAsync(cancellationToken);
            return null;
        }

        var answer = new CachedAnswer(document.Id, document.Scope, document.Model, document.Answer, document.CreatedAt, document.ExpiresAt);
        Remember(answer, now);
        return answer;
    }

    public async Task SaveAsync(CachedAnswer answer, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        session.Store(new CachedAnswerDocument
        {
            Id = answer.Key,
            Scope = answer.Scope,
            Model = answer.Model,
            Answer = answer.Answer,
            CreatedAt = answer.CreatedAt,
            ExpiresAt = answer.ExpiresAt,
        });
        await session.SaveChangesAsync(cancellationToken);
        Remember(answer, time.GetUtcNow());
    }

    public async Task<int> PurgeAsync(string? scope, string? model, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var matching = session.Query<CachedAnswerDocument>().Where(d => (scope == null || d.Scope == scope) && (model == null || d.Model == model));
        var count = await matching.CountAsync(cancellationToken);
        session.DeleteWhere<CachedAnswerDocument>(d => (scope == null || d.Scope == scope) && (model == null || d.Model == model));
        await session.SaveChangesAsync(cancellationToken);
        _memory.Clear();
        return count;
    }

    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        var count = await session.Query<CachedAnswerDocument>().CountAsync(d => d.ExpiresAt <= now, cancellationToken);
        if (count > 0)
        {
            session.DeleteWhere<CachedAnswerDocument>(d => d.ExpiresAt <= now);
            await session.SaveChangesAsync(cancellationToken);
        }

        return count;
    }

    public void Dispose() => _memory.Dispose();

    private void Remember(CachedAnswer answer, DateTimeOffset now)
    {
        var seconds = options.Value.MemorySeconds;
        var until = now.AddSeconds(seconds) < answer.ExpiresAt ? now.AddSeconds(seconds) : answer.ExpiresAt;
        if (seconds == 0 || until <= now)
        {
            return;
        }

        // Sized by the answer's characters (about its bytes), so the bound holds for a few large answers as for many small ones.
        _memory.Set(answer.Key, answer, new MemoryCacheEntryOptions { Size = Math.Max(1, answer.Answer.Length), AbsoluteExpirationRelativeToNow = until - now });
    }
}
