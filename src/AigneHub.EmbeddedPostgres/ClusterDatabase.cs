using Npgsql;

namespace AigneHub.EmbeddedPostgres;

/// <summary>The hub's database inside the cluster, and the connection strings that reach it over loopback as the superuser.</summary>
internal static class ClusterDatabase
{
    public const string Superuser = "postgres";
    public const string LoopbackAddress = "127.0.0.1";

    internal static async Task EnsureDatabaseAsync(
        int port,
        string password,
        string database,
        ILogger logger,
        CancellationToken ct)
    {
        // Unpooled: this session is used once and must not linger in a pool the shutdown would cut.
        var adminConnectionString = BuildConnectionString(port, password, "postgres", pooling: false);
        await using var connection = new NpgsqlConnection(adminConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidPassword)
        {
            throw new InvalidOperationException(
                $"The embedded PostgreSQL on port {port} rejected the password from the data folder's " +
                "postgres.password file; the file does not belong to this cluster.",
                ex);
        }

        await using (var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = database });
            if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
            {
                return;
            }
        }

        // CREATE DATABASE takes no parameters; the name is quoted as an identifier instead.
        var quoted = "\"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"create database {quoted}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            logger.LogInformation("Created database {Database} in the embedded PostgreSQL", database);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another hub process sharing the folder created it in the meantime.
        }
    }

    internal static string BuildConnectionString(int port, string password, string database, bool pooling) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = LoopbackAddress,
            Port = port,
            Username = Superuser,
            Password = password,
            Database = database,
            Pooling = pooling,
        }.ConnectionString;
}
