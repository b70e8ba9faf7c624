namespace AigneHub.Infrastructure.Jobs;

/// <summary>Scheduled jobs (section "Hangfire"). Every hub instance can run the server; jobs are shared through PostgreSQL.</summary>
public sealed class HangfireOptions
{
    public const string Section = "Hangfire";

    /// <summary>Whether this instance processes jobs (storage and schema are set up either way).</summary>
    public bool ServerEnabled { get; set; } = true;

    /// <summary>
    /// Whether this instance writes the cluster's recurring job definitions (their cron expressions) from its
    /// configuration at start-up. Every instance that does should carry the same schedule settings; an instance with
    /// different ones (a special-purpose or temporary instance) sets this to false and leaves the schedule alone. The
    /// per-instance switches never change the schedule either way: they only pick this server's queues.
    /// </summary>
    public bool ManageSchedule { get; set; } = true;

    [Range(1, 64)]
    public int WorkerCount { get; set; } = 2;

    [Required]
    [RegularExpression("^[a-z_][a-z0-9_]*$")]
    public string Schema { get; set; } = "hangfire";
}
