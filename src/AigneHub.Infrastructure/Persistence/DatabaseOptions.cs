namespace AigneHub.Infrastructure.Persistence;

/// <summary>
/// The connection budget of this instance (section "Database"). Every pool the hub opens is sized from
/// <see cref="MaxConnections"/> (<see cref="ConnectionBudget"/>), so N instances never open more than
/// N × MaxConnections connections: keep that below PostgreSQL's max_connections minus its reserved slots
/// (docs/operations.md, "Scale-out").
/// </summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>The most connections this instance opens to PostgreSQL, all pools together.</summary>
    [Range(ConnectionBudget.Minimum, 10_000)]
    public int MaxConnections { get; set; } = 30;

    /// <summary>
    /// How long work waits in the process for a free pooled connection (it holds none while it waits) before it is
    /// answered 503 with Retry-After.
    /// </summary>
    [Range(1, 300)]
    public int PoolWaitSeconds { get; set; } = 15;
}
