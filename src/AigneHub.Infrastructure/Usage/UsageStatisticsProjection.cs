using AigneHub.Application.EventSourcing;
using AigneHub.Domain.Usage.Statistics;
using JasperFx.Events;
using Marten.Events.Projections;

namespace AigneHub.Infrastructure.Usage;

/// <summary>
/// Keeps <see cref="UsageBucket"/> aggregates (UTC hours and reporting-zone days) from the tallies of
/// <see cref="CallsRecorded"/> events (one per recorder batch) and the per-call <see cref="CallRecorded"/> events of
/// earlier versions. Runs asynchronously in the daemon, which commits a batch's bucket updates together with its
/// progress mark, so every call is counted exactly once; a batch loads the buckets it touches in one query and stores
/// them all with one statement (<see cref="DocumentBatches"/>).
/// </summary>
internal sealed class UsageStatisticsProjection(TimeZoneInfo zone) : IProjection
{
    public const string Name = "usage-statistics";

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var touched = new Dictionary<string, (UsageBucket Bucket, List<UsageFigures> Figures)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case CallsRecorded batch:
                    Count(touched, batch.Tallies);
                    break;

                // Written per call by versions before ADR 0025; still counted, each once.
                case CallRecorded recorded:
                    Count(touched, CallTally.Of([recorded.Record]));
                    break;
            }
        }

        if (touched.Count == 0)
        {
            return;
        }

        var stored = await operations.LoadManyAsync<UsageBucket>(cancellation, touched.Keys.ToArray());
        var existing = stored.ToDictionary(b => b.Id, StringComparer.Ordinal);
        var updated = new List<UsageBucket>(touched.Count);
        foreach (var (id, (fresh, figures)) in touched)
        {
            var bucket = existing.GetValueOrDefault(id) ?? fresh;
            foreach (var part in figures)
            {
                bucket.Figures.Add(part);
            }

            updated.Add(bucket);
        }

        // One statement for the batch's buckets (Marten's Store sends an upsert function call per document: with many
        // users, about one per call); the daemon commits it with its progress mark.
        await DocumentBatches.QueueUpsertAsync(
            operations, updated, b => b.Id, "varchar", cancellation, DocumentBatches.Time<UsageBucket>("start", b => b.Start), DocumentBatches.Text<UsageBucket>("user_id", b => b.UserId));
    }

    private void Count(Dictionary<string, (UsageBucket Bucket, List<UsageFigures> Figures)> touched, IEnumerable<CallTally> tallies)
    {
        foreach (var tally in tallies)
        {
            var (hour, day) = UsageBucket.For(tally, zone);
            Track(touched, hour, tally.Figures);
            Track(touched, day, tally.Figures);
        }
    }

    private static void Track(Dictionary<string, (UsageBucket Bucket, List<UsageFigures> Figures)> touched, UsageBucket bucket, UsageFigures figures)
    {
        if (!touched.TryGetValue(bucket.Id, out var entry))
        {
            entry = (bucket, []);
            touched[bucket.Id] = entry;
        }

        entry.Figures.Add(figures);
    }
}
