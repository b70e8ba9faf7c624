using AigneHub.Application.Caching;

namespace AigneHub.Infrastructure.Caching;

/// <summary>
/// Stamps the call records written while the response cache is in play for the request (a miss or a bypass) with what
/// the cache did, so the handlers that write them need not know about the cache. A hit's record is written by the cache
/// itself, already stamped.
/// </summary>
internal sealed class CacheOutcomeCallRecorder(ICallRecorder inner, ICacheRequestContext cache) : ICallRecorder
{
    public void Record(Domain.Usage.CallRecord record) =>
        inner.Record(record.Cache is null && cache.Outcome is { } outcome ? record with { Cache = outcome } : record);
}
