using AigneHub.Application.Usage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AigneHub.Infrastructure.Usage;

/// <summary>
/// Readiness of the statistics: Degraded (calls are still served; /readyz answers 200 with the reason) when an event
/// has waited unprojected for longer than <see cref="AnalyticsOptions.StallSeconds"/> — the daemon stalled, or no
/// instance holds its lease. The reason says which. Without waiting events nothing is reported, so an idle hub or one
/// whose daemon runs elsewhere stays Healthy.
/// </summary>
internal sealed class StatisticsHealthCheck(NpgsqlDataSource data, StatisticsDaemonState state, IOptions<AnalyticsOptions> options, TimeProvider time) : IHealthCheck
{
    private const string Query =
        $"""
        select
            (select count(*) from pg_locks
              where locktype = 'advisory' and granted and objsubid = 1 and classid::bigint = @high and objid::bigint = @low
                and database = (select oid from pg_database where datname = current_database())) as holders,
            (select coalesce(max(last_seq_id), 0) from {HubMartenConfiguration.Schema}.mt_event_progression where name = @shard) as position,
            (select timestamp from {HubMartenConfiguration.Schema}.mt_events
              where seq_id > (select coalesce(max(last_seq_id), 0) from {HubMartenConfiguration.Schema}.mt_event_progression where name = @shard)
              order by seq_id limit 1) as oldest_waiting
        """;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await data.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(Query, connection);
            command.Parameters.AddWithValue("high", StatisticsDaemonLease.LockKey >> 32);
            command.Parameters.AddWithValue("low", StatisticsDaemonLease.LockKey & 0xFFFF_FFFF);
            command.Parameters.AddWithValue("shard", UsageStatisticsProjection.Name + ":All");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var holders = reader.GetInt64(0);
            var position = reader.GetInt64(1);
            if (reader.IsDBNull(2))
            {
                return HealthCheckResult.Healthy(Describe(holders));
            }

            var waiting = time.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(2);
            if (waiting <= TimeSpan.FromSeconds(options.Value.StallSeconds))
            {
                return HealthCheckResult.Healthy(Describe(holders));
            }

            var why = holders == 0
                ? "no instance runs the statistics daemon (none holds its lease)"
                : state.IsLeading ? "this instance's statistics daemon is not advancing" : "the statistics daemon of another instance is not advancing";
            return HealthCheckResult.Degraded($"usage statistics stalled at event {position}, the next waiting {waiting.TotalSeconds:0} s: {why}");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The database check reports an unreachable database; this one only speaks about the statistics.
            return HealthCheckResult.Degraded("usage statistics unknown: the database did not answer");
        }
    }

    private string Describe(long holders) =>
        state.IsLeading ? "this instance projects the statistics" : holders > 0 ? "another instance projects the statistics" : "no events waiting";
}
