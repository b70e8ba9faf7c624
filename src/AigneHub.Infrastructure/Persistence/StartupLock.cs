namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// Serialises the start-up of the instances of one database: Marten's schema migration, Hangfire's schema install,
/// the bootstrap owner key and the job definitions run under one PostgreSQL advisory lock, held on its own unpooled
/// connection from before the host is built (Hangfire installs its schema as soon as its storage is first resolved)
/// until it has started. Replicas started at once on an empty database (compose --scale, a Kubernetes
/// rollout) then take turns instead of racing each other into serialization failures (Hangfire's 40001, Marten's
/// MT003) that they would log as errors; an instance that finds the schema in place holds the lock for a moment.
/// </summary>
public static class StartupLock
{
    /// <summary>The advisory lock's key ("AIGHBOOT"), scoped to the database.</summary>
    public const long Key = 0x4149_4748_424F_4F54;

    public static async Task<IAsyncDisposable> AcquireAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            ApplicationName = "aignehub-startup",
        }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("select pg_advisory_lock(@key)", connection) { CommandTimeout = 0 };
            command.Parameters.AddWithValue("key", Key);
            await command.ExecuteNonQueryAsync(cancellationToken);
            // Closing the session releases the lock.
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
