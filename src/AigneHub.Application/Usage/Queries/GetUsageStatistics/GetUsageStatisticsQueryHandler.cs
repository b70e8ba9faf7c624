using AigneHub.Application.Usage;
using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.Application.Usage.Queries.GetUsageStatistics;

internal sealed class GetUsageStatisticsQueryHandler(
    IUsageStatisticsReader reader,
    IDocumentStore store,
    ICallerContext caller,
    IOptions<AnalyticsOptions> options)
    : IQueryHandler<GetUsageStatisticsQuery, UsageStatistics>
{
    public async ValueTask<UsageStatistics> Handle(GetUsageStatisticsQuery query, CancellationToken cancellationToken)
    {
        var userId = await UsageVisibility.UserFilterAsync(store, caller.Current, query.TeamId, query.UserId, cancellationToken);
        var reportingZone = options.Value.Zone();
        var zone = query.Granularity == UsageGranularity.Hour ? "UTC" : reportingZone.Id;

        // The bucket that holds `from` is included: the range starts at the start of its hour or day.
        var from = query.Granularity == UsageGranularity.Hour ? UsageBucket.HourStart(query.From) : UsageBucket.DayStart(query.From, reportingZone);

        // Read progress first: anything counted after this point only makes the answer fresher than it claims.
        var progress = await reader.ProgressAsync(cancellationToken);

        var totals = new UsageFigures();
        var groups = new Dictionary<string, UsageFigures>(StringComparer.Ordinal);
        var series = new Dictionary<(DateTimeOffset Start, string Group), UsageFigures>();
        await foreach (var bucket in reader.ReadAsync(query.Granularity, zone, from, query.To, userId, cancellationToken))
        {
            if (query.TeamId is not null && !string.Equals(bucket.TeamId, query.TeamId, StringComparison.Ordinal))
            {
                continue;
            }

            var group = GroupOf(bucket, query.GroupBy);
            totals.Add(bucket.Figures);
            AddTo(groups, group, bucket.Figures);
            AddTo(series, (bucket.Start, group), bucket.Figures);
        }

        return new UsageStatistics(
            from,
            query.To,
            query.Granularity,
            query.GroupBy,
            zone,
            totals,
            groups.OrderByDescending(g => g.Value.Calls).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new UsageGroupTotal(g.Key, g.Value)).ToList(),
            series.OrderBy(p => p.Key.Start).ThenBy(p => p.Key.Group, StringComparer.Ordinal)
                .Select(p => new UsagePoint(p.Key.Start, p.Key.Group, p.Value)).ToList(),
            progress.Stale);
    }

    private static string GroupOf(UsageBucket bucket, UsageGrouping grouping) => grouping switch
    {
        UsageGrouping.Provider => bucket.Provider,
        UsageGrouping.Model => $"{bucket.Provider}/{bucket.Model}",
        UsageGrouping.User => bucket.UserId,
        UsageGrouping.App => bucket.AppId,
        UsageGrouping.Team => bucket.TeamId,
        UsageGrouping.CallType => bucket.CallType switch
        {
            CallType.Chat => "chat",
            CallType.Embedding => "embedding",
            _ => "image",
        },
        _ => "",
    };

    private static void AddTo<TKey>(Dictionary<TKey, UsageFigures> sums, TKey key, UsageFigures figures)
        where TKey : notnull
    {
        if (!sums.TryGetValue(key, out var sum))
        {
            sum = new UsageFigures();
            sums[key] = sum;
        }

        sum.Add(figures);
    }
}
