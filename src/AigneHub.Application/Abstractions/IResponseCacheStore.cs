namespace AigneHub.Application.Abstractions;

/// <summary>
/// The cached answers, shared by every instance (PostgreSQL) behind a bounded in-memory front. An expired answer is
/// never returned, even before the prune job deletes it.
/// </summary>
public interface IResponseCacheStore
{
    Task<CachedAnswer?> FindAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stores (or replaces) an answer.</summary>
    Task SaveAsync(CachedAnswer answer, CancellationToken cancellationToken);

    /// <summary>Deletes the answers of <paramref name="scope"/> and/or <paramref name="model"/> (all when both are null); answers how many went.</summary>
    Task<int> PurgeAsync(string? scope, string? model, CancellationToken cancellationToken);

    /// <summary>Deletes the answers that expired by <paramref name="now"/>; answers how many went.</summary>
    Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>One stored answer.</summary>
/// <param name="Key">The SHA-256 (hex) of everything that changes the answer, the caller's cache scope included.</param>
/// <param name="Scope">Who may read it: "user:&lt;id&gt;", "app:&lt;id&gt;" or "hub".</param>
/// <param name="Model">The model that answered, as the hub names it ("provider/model"): what a purge filters on.</param>
/// <param name="Answer">The answer, serialized (a chat completion or an embedding result).</param>
public sealed record CachedAnswer(string Key, string Scope, string Model, string Answer, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
