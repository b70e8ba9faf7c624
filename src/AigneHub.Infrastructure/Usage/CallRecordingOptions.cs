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

    /// <summary>
    /// Journal every record to local disk before the call's answer completes, so a killed process loses none
    /// (ADR 0012). Off only for throwaway hubs.
    /// </summary>
    public bool JournalEnabled { get; set; } = true;

    /// <summary>
    /// The journal's base folder; each running instance takes a slot folder under it. Empty: "call-journal" in the
    /// embedded data folder, else a folder per database under the temp folder (set a persistent path in production).
    /// </summary>
    public string? JournalPath { get; set; }

    /// <summary>Also force each record to the disk (fsync): survives power loss, at the cost of a disk flush per call.</summary>
    public bool JournalFsync { get; set; }
}
