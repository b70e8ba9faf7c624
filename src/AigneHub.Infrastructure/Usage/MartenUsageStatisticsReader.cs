using AigneHub.Domain.Usage.Statistics;
using JasperFx.Events.Projections;

namespace AigneHub.Infrastructure.Usage;

internal sealed class MartenUsageStatisticsReader(IDocumentStore store) : IUsageStatisticsReader
{
    public async IAsyncEnumerable<UsageBucket> ReadAsync(
        UsageGranularity granularity, string zone, DateTimeOffset from, DateTimeOffset to, string? userId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var query = session.Query<UsageBucket>()
            .Where(b => b.Granularity == granularity && b.Zone == zone && b.Start >= from && b.Start < to);
        if (userId is not null)
        {
            query = query.Where(b => b.UserId == userId);
        }

        // Streamed row by row: a long range with many users never sits in memory as a list.
        await foreach (var bucket in query.ToAsyncEnumerable(cancellationToken))
        {
            yield return bucket;
        }
    }

    public async Task<StatisticsProgress> ProgressAsync(CancellationToken cancellationToken)
    {
        var shard = store.Advanced.AllAsyncProjectionShardNames().FirstOrDefault(s => s.Name == UsageStatisticsProjection.Name);
        var processed = shard is null ? 0 : await store.Advanced.ProjectionProgressFor(shard, token: cancellationToken);
        await using var session = store.QuerySession();
        var latest = await session.QueryAsync<long>(
            $"select coalesce(max(seq_id), 0) from {HubMartenConfiguration.Schema}.mt_events", cancellationToken);
        return new StatisticsProgress(processed, latest.FirstOrDefault());
    }
}
