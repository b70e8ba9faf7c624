using AigneHub.Domain.Usage.Statistics;
using JasperFx.Events;
using Marten.Events.Projections;

namespace AigneHub.Infrastructure.Usage;

/// <summary>
/// Keeps <see cref="UsageBucket"/> aggregates (UTC hours and reporting-zone days) from <see cref="CallRecorded"/>
/// events. Runs asynchronously in the daemon, which commits a batch's bucket updates together with its progress mark,
/// so every call is counted exactly once; a batch loads the buckets it touches in one query and stores each once.
/// </summary>
internal sealed class UsageStatisticsProjection(TimeZoneInfo zone) : IProjection
{
    public const string Name = "usage-statistics";

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var touched = new Dictionary<string, (UsageBucket Bucket, List<CallRecord> Records)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Data is not CallRecorded recorded)
            {
                continue;
            }

            var (hour, day) = UsageBucket.For(recorded.Record, zone);
            Track(touched, hour, recorded.Record);
            Track(touched, day, recorded.Record);
        }

        if (touched.Count == 0)
        {
            return;
        }

        var stored = await operations.LoadManyAsync<UsageBucket>(cancellation, touched.Keys.ToArray());
        var existing = stored.ToDictionary(b => b.Id, StringComparer.Ordinal);
        var updated = new List<UsageBucket>(touched.Count);
        foreach (var (id, (fresh, records)) in touched)
        {
            var bucket = existing.GetValueOrDefault(id) ?? fresh;
            foreach (var record in records)
            {
                bucket.Figures.Add(record);
            }

            updated.Add(bucket);
        }

        operations.Store<UsageBucket>(updated);
    }

    private static void Track(Dictionary<string, (UsageBucket Bucket, List<CallRecord> Records)> touched, UsageBucket bucket, CallRecord record)
    {
        if (!touched.TryGetValue(bucket.Id, out var entry))
        {
            entry = (bucket, []);
            touched[bucket.Id] = entry;
        }

        entry.Records.Add(record);
    }
}
