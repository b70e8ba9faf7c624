namespace AigneHub.Application.Caching;

/// <summary>Outside any edge (jobs, tests of the application alone): nothing is asked of the cache and nothing is reported.</summary>
internal sealed class NoCacheRequest : ICacheRequestContext
{
    public CacheDirective Directive => CacheDirective.Default;

    public int? TtlSeconds => null;

    public CacheOutcome? Outcome
    {
        get => null;
        set { }
    }

    public string? ServedBy
    {
        get => null;
        set { }
    }
}
