namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// How this instance's <see cref="DatabaseOptions.MaxConnections"/> is shared out: Hangfire gets one connection per
/// worker plus four for its scheduler, heartbeat, watchdog and the dashboard; the statistics daemon's lease one
/// dedicated connection; everything else (Marten and its daemon, the credit ledger writer, the call recorder, the rate
/// limiter, the spend-budget counters, health checks) shares the main pool. Each pool waits up to <see cref="DatabaseOptions.PoolWaitSeconds"/>
/// for a free connection; the pools together never exceed the budget.
/// </summary>
public sealed record ConnectionBudget(int MainPool, int HangfirePool, int LeaseConnections)
{
    /// <summary>The smallest budget that leaves the main pool a few connections beside the smallest Hangfire share.</summary>
    public const int Minimum = 8;

    private const int HangfireOverhead = 4;
    private const int HangfireClientOnly = 2;
    private const int SmallestMainPool = 3;

    public int Total => MainPool + HangfirePool + LeaseConnections;

    /// <param name="hangfireWorkers">Hangfire workers on this instance, or null when its server is off (only clients).</param>
    /// <param name="holdsLease">Whether this instance takes part in the statistics daemon's election.</param>
    public static ConnectionBudget For(int maxConnections, int? hangfireWorkers, bool holdsLease)
    {
        var hangfire = hangfireWorkers is { } workers ? workers + HangfireOverhead : HangfireClientOnly;
        var lease = holdsLease ? 1 : 0;
        var main = maxConnections - hangfire - lease;
        if (main < SmallestMainPool)
        {
            throw new InvalidOperationException(
                $"Database:MaxConnections ({maxConnections}) is too small: Hangfire takes {hangfire} (Hangfire:WorkerCount + {HangfireOverhead})"
                + $"{(lease > 0 ? " and the statistics lease 1" : string.Empty)}, leaving {main} for everything else; "
                + $"raise it to at least {hangfire + lease + SmallestMainPool} or lower Hangfire:WorkerCount.");
        }

        return new ConnectionBudget(main, hangfire, lease);
    }

    /// <summary>
    /// How many statements each connection of the main pool keeps prepared (Npgsql's <c>Max Auto Prepare</c>), unless the
    /// connection string says otherwise (<c>Max Auto Prepare=0</c> turns it off, e.g. behind a PgBouncer in transaction
    /// mode without prepared-statement support). The credit-ledger writer's batch repeats the same few statements
    /// hundreds of times (a stream's row lock and account load, an event append and an account upsert per account): once
    /// prepared, PostgreSQL no longer parses and plans each of them (unprepared, a batch of 500 captures took about 2.5 times
    /// the database time).
    /// </summary>
    public const int MainPoolPreparedStatements = 64;

    private const string MaxAutoPrepareKeyword = "MaxAutoPrepare";

    /// <summary>The main pool: shared by Marten and every other database user of the hub, with its repeated statements prepared.</summary>
    public string MainConnectionString(string connectionString, int poolWaitSeconds)
    {
        var builder = new NpgsqlConnectionStringBuilder(Pooled(connectionString, MainPool, poolWaitSeconds, "aignehub"));
        if (!Names(connectionString, MaxAutoPrepareKeyword))
        {
            builder.MaxAutoPrepare = MainPoolPreparedStatements;
        }

        return builder.ConnectionString;
    }

    public string HangfireConnectionString(string connectionString, int poolWaitSeconds) =>
        Pooled(connectionString, HangfirePool, poolWaitSeconds, "aignehub-hangfire");

    /// <summary>The statistics lease's own connection: unpooled, so the advisory lock lives and dies with it.</summary>
    public static string LeaseConnectionString(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            ApplicationName = "aignehub-statistics-lease",
            // A peer that vanished without closing its socket is noticed by keepalives, not only by the next poll.
            KeepAlive = 10,
        }.ConnectionString;

    /// <summary>Whether the connection string as written sets <paramref name="keyword"/> (spaces and case aside, as Npgsql reads it).</summary>
    private static bool Names(string connectionString, string keyword) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys
            .Cast<string>()
            .Any(key => string.Equals(key.Replace(" ", string.Empty, StringComparison.Ordinal), keyword, StringComparison.OrdinalIgnoreCase));

    private static string Pooled(string connectionString, int size, int waitSeconds, string application)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = size,
            MinPoolSize = 0,
            Timeout = Math.Min(waitSeconds, 1024),
        };
        builder.ApplicationName ??= application;
        return builder.ConnectionString;
    }
}
