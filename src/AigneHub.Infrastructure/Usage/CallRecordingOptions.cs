using System.ComponentModel.DataAnnotations;

namespace AigneHub.Infrastructure.Usage;

/// <summary>How call records are batched on their way to the database (section "Usage").</summary>
public sealed class CallRecordingOptions
{
    public const string Section = "Usage";

    /// <summary>Most records written in one round trip.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 256;

    /// <summary>Longest a record waits for its batch to fill before it is written anyway.</summary>
    [Range(1, 60_000)]
    public int FlushIntervalMs { get; set; } = 200;
}
