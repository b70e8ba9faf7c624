using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AigneHub.Infrastructure.Persistence;

/// <summary>Ready means the database answers and the hub's schema is in place (Marten applies it at start-up).</summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource data) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await data.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select to_regclass(@table) is not null", connection);
            command.Parameters.AddWithValue("table", $"{HubMartenConfiguration.Schema}.mt_doc_callrecord");
            var migrated = await command.ExecuteScalarAsync(cancellationToken) is true;
            return migrated
                ? HealthCheckResult.Healthy("database reachable, schema applied")
                : HealthCheckResult.Unhealthy("database reachable, but the hub's schema is not applied yet");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The exception's message can name hosts and users; the result only says what an operator needs.
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
