namespace AigneHub.EmbeddedPostgres;

/// <summary>
/// Settings for the private PostgreSQL cluster the hub runs when no connection string is configured.
/// Bound from the <c>Embedded</c> configuration section.
/// </summary>
public sealed class EmbeddedPostgresOptions
{
    public const string SectionName = "Embedded";

    public const string DataPathEnvironmentVariable = "AIGNEHUB_DATA";

    public const int DefaultPort = 25432;

    /// <summary>Folder holding the cluster, its log and its password. See <see cref="ResolveDataPath"/>.</summary>
    public string? DataPath { get; set; }

    // Not 5432, so the embedded cluster does not collide with a system PostgreSQL on the same machine, and below
    // 32768, outside the ephemeral ranges of Linux (32768-60999) and Windows (49152-65535): an outgoing connection
    // never takes it. Hubs started before 2026-12 used 54329; the port is not stored in the data folder.
    public int Port { get; set; } = DefaultPort;

    /// <summary>Folder with initdb and pg_ctl; auto-detected when null.</summary>
    public string? BinPath { get; set; }

    public string Database { get; set; } = "aignehub";

    public int StartTimeoutSeconds { get; set; } = 60;

    public string ResolveDataPath()
    {
        if (!string.IsNullOrWhiteSpace(DataPath))
        {
            return Path.GetFullPath(DataPath);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(DataPathEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        return Path.Combine(Directory.GetCurrentDirectory(), "data");
    }
}
