namespace AigneHub.Domain.Usage;

/// <summary>What the response cache did for a call that could use it.</summary>
public enum CacheOutcome
{
    /// <summary>Answered from the cache: no provider was called.</summary>
    Hit,

    /// <summary>Looked up (or refreshed) and not found: the provider answered, and the answer was stored when it could be.</summary>
    Miss,

    /// <summary>The cache was asked for but skipped: the caller said bypass, or the request was not deterministic.</summary>
    Bypass,
}
