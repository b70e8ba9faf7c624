using AigneHub.Application.Usage;
using AigneHub.Domain.Usage.Reports;
using AigneHub.Domain.Usage.Statistics;

namespace AigneHub.Application.Usage.Reports.Commands.GenerateUsageReports;

internal sealed class GenerateUsageReportsCommandHandler(
    ICallRecordReader records,
    IDocumentStore store,
    IReportDelivery delivery,
    IOptions<ReportsOptions> options,
    TimeProvider time)
    : ICommandHandler<GenerateUsageReportsCommand, GeneratedReports>
{
    private const int PageSize = 1000;

    public async ValueTask<GeneratedReports> Handle(GenerateUsageReportsCommand command, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var zone = settings.Zone();
        var period = command.Period ?? ReportPeriods.LastFinished(command.Kind, time.GetUtcNow(), zone);
        var (start, end) = ReportPeriods.Bounds(command.Kind, period, zone);
        var (previousStart, _) = ReportPeriods.Bounds(command.Kind, ReportPeriods.Previous(command.Kind, period), zone);

        var current = await TallyAsync(start, end, cancellationToken);
        var previous = await TallyAsync(previousStart, start, cancellationToken);

        var generatedAt = time.GetUtcNow();
        var reports = new List<UsageReport> { Build(UsageReport.HubScope, current.Hub, previous.Hub) };
        reports[0].TopUsers = current.Users
            .OrderByDescending(u => u.Value.Figures.Credits).ThenByDescending(u => u.Value.Figures.Calls).ThenBy(u => u.Key, StringComparer.Ordinal)
            .Take(settings.TopUsers)
            .Select(u => new ReportLine { UserId = u.Key, Figures = u.Value.Figures })
            .ToList();
        reports[0].ByTeam = current.Teams
            .OrderByDescending(t => t.Value.Figures.CostUsd).ThenByDescending(t => t.Value.Figures.Calls).ThenBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new ReportLine { TeamId = t.Key, Figures = t.Value.Figures })
            .ToList();
        foreach (var (teamId, tally) in current.Teams.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            reports.Add(Build(UsageReport.TeamScope(teamId), tally, previous.Teams.GetValueOrDefault(teamId) ?? new Tally()));
        }

        foreach (var (userId, tally) in current.Users.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            reports.Add(Build(userId, tally, previous.Users.GetValueOrDefault(userId) ?? new Tally()));
        }

        // Replace, never duplicate: this period's earlier reports go in the same transaction as the new ones.
        await using (var session = store.LightweightSession())
        {
            session.DeleteWhere<UsageReport>(r => r.Kind == command.Kind && r.Period == period);
            session.Store<UsageReport>(reports);
            await session.SaveChangesAsync(cancellationToken);
        }

        await delivery.DeliverAsync(reports[0].Id, cancellationToken);
        return new GeneratedReports(command.Kind, period, start, end, reports.Count, current.Hub.Figures.Calls, reports[0].Id);

        UsageReport Build(string scope, Tally tally, Tally before) => new()
        {
            Id = UsageReport.IdFor(command.Kind, period, scope),
            Kind = command.Kind,
            Scope = scope,
            Zone = zone.Id,
            Period = period,
            Start = start,
            End = end,
            GeneratedAt = generatedAt,
            Totals = tally.Figures,
            ErrorRate = tally.Figures.Calls == 0 ? 0 : Math.Round((double)tally.Figures.Failures / tally.Figures.Calls, 6),
            ErrorsByKind = tally.Errors,
            ByModel = tally.Models.OrderByDescending(m => m.Value.Calls).ThenBy(m => m.Key.Provider, StringComparer.Ordinal).ThenBy(m => m.Key.Model, StringComparer.Ordinal)
                .Select(m => new ReportLine { Provider = m.Key.Provider, Model = m.Key.Model, Figures = m.Value }).ToList(),
            ByProvider = tally.Providers.OrderByDescending(p => p.Value.Calls).ThenBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new ReportLine { Provider = p.Key, Figures = p.Value }).ToList(),
            Previous = ReportComparison.Between(tally.Figures, before.Figures),
        };
    }

    /// <summary>Reads the period's call records page by page and adds them up for the hub, per team (of the calling key) and per user.</summary>
    private async Task<(Tally Hub, Dictionary<string, Tally> Teams, Dictionary<string, Tally> Users)> TallyAsync(
        DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var hub = new Tally();
        var teams = new Dictionary<string, Tally>(StringComparer.Ordinal);
        var users = new Dictionary<string, Tally>(StringComparer.Ordinal);
        var filter = new CallFilter(From: from, To: to);
        Guid? after = null;
        while (true)
        {
            var page = await records.ListAsync(filter, after, PageSize, cancellationToken);
            foreach (var record in page)
            {
                hub.Add(record);
                if (record.TeamId is { } teamId)
                {
                    Tally.Of(teams, teamId).Add(record);
                }

                if (record.UserId is { } userId)
                {
                    Tally.Of(users, userId).Add(record);
                }
            }

            if (page.Count < PageSize)
            {
                return (hub, teams, users);
            }

            after = page[^1].Id;
        }
    }

    private sealed class Tally
    {
        public UsageFigures Figures { get; } = new();

        public Dictionary<(string Provider, string Model), UsageFigures> Models { get; } = [];

        public Dictionary<string, UsageFigures> Providers { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

        /// <summary>The tally of <paramref name="id"/> in <paramref name="tallies"/>, started when it has none yet.</summary>
        public static Tally Of(Dictionary<string, Tally> tallies, string id)
        {
            if (!tallies.TryGetValue(id, out var tally))
            {
                tally = new Tally();
                tallies[id] = tally;
            }

            return tally;
        }

        public void Add(CallRecord record)
        {
            Figures.Add(record);
            Sum(Models, (record.Provider, record.Model), record);
            Sum(Providers, record.Provider, record);
            if (record.Status == CallStatus.Failed)
            {
                var kind = ErrorKindNames.SnakeCase(record.ErrorKind);
                Errors[kind] = Errors.GetValueOrDefault(kind) + 1;
            }
        }

        private static void Sum<TKey>(Dictionary<TKey, UsageFigures> sums, TKey key, CallRecord record)
            where TKey : notnull
        {
            if (!sums.TryGetValue(key, out var figures))
            {
                figures = new UsageFigures();
                sums[key] = figures;
            }

            figures.Add(record);
        }
    }
}
