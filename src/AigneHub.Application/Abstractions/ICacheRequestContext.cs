namespace AigneHub.Application.Abstractions;

/// <summary>What the caller asked of the cache for this one request (<c>x-aignehub-cache</c>).</summary>
public enum CacheDirective
{
    /// <summary>Nothing asked: the hub's default mode applies.</summary>
    Default,

    /// <summary>Read and store, even a request that is not deterministic.</summary>
    Use,

    /// <summary>Neither read nor store.</summary>
    Bypass,

    /// <summary>Do not read, call the provider, and store its answer in place of the old one.</summary>
    Refresh,
}

/// <summary>
/// The cache's view of the current request, kept by the edge: the caller's directive and TTL (headers on REST, metadata
/// on gRPC), and the outcome, which the edge reports back to the caller (<c>x-aignehub-cache: hit|miss|bypass</c>).
/// </summary>
public interface ICacheRequestContext
{
    CacheDirective Directive { get; }

    /// <summary>The TTL the caller asked for (<c>x-aignehub-cache-ttl</c>, seconds); null for the configured default.</summary>
    int? TtlSeconds { get; }

    /// <summary>What the cache did for the current call; null while it was not in play.</summary>
    CacheOutcome? Outcome { get; set; }

    /// <summary>
    /// The provider and model ("provider/model") whose rate priced the current call, set when a provider answered: a
    /// stored answer is charged by it, not by the model name the provider wrote in its answer (OpenAI answers
    /// "gpt-4o-mini" with a dated snapshot name that has no rate).
    /// </summary>
    string? ServedBy { get; set; }
}
