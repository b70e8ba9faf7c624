using System.ComponentModel.DataAnnotations;

namespace AigneHub.Infrastructure.Jobs;

/// <summary>Scheduled jobs (section "Hangfire"). Every hub instance can run the server; jobs are shared through PostgreSQL.</summary>
public sealed class HangfireOptions
{
    public const string Section = "Hangfire";

    /// <summary>Whether this instance processes jobs (storage and schema are set up either way).</summary>
    public bool ServerEnabled { get; set; } = true;

    [Range(1, 64)]
    public int WorkerCount { get; set; } = 2;

    [Required]
    [RegularExpression("^[a-z_][a-z0-9_]*$")]
    public string Schema { get; set; } = "hangfire";
}
