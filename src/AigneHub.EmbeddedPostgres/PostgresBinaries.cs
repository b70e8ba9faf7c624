namespace AigneHub.EmbeddedPostgres;

/// <summary>Finds the folder holding the machine's PostgreSQL server tools (initdb, pg_ctl).</summary>
internal static class PostgresBinaries
{
    private const string DebianRoot = "/usr/lib/postgresql";

    public static async Task<string> ResolveAsync(string? configured, CancellationToken ct)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var full = Path.GetFullPath(configured);
            if (!ContainsServerTools(full))
            {
                throw new InvalidOperationException(
                    $"Embedded:BinPath '{full}' does not contain pg_ctl and initdb.");
            }

            return full;
        }

        var fromDebianLayout = FindHighestDebianVersion();
        if (fromDebianLayout is not null)
        {
            return fromDebianLayout;
        }

        var pgConfig = ProcessRunner.FindOnPath("pg_config");
        if (pgConfig is not null)
        {
            var result = await ProcessRunner.RunAsync(pgConfig, ["--bindir"], killTreeOnCancel: true, ct).ConfigureAwait(false);
            var bindir = result.StandardOutput.Trim();
            if (result.Succeeded && ContainsServerTools(bindir))
            {
                return bindir;
            }
        }

        throw new InvalidOperationException(
            "No PostgreSQL server binaries found for the embedded database: looked in " +
            $"{DebianRoot}/*/bin and at 'pg_config --bindir'. Install PostgreSQL, set Embedded:BinPath " +
            "to the folder holding pg_ctl and initdb, or configure an external database connection string.");
    }

    private static string? FindHighestDebianVersion()
    {
        if (!Directory.Exists(DebianRoot))
        {
            return null;
        }

        return Directory.EnumerateDirectories(DebianRoot)
            .Select(dir => (Dir: dir, Version: ParseVersion(Path.GetFileName(dir))))
            .Where(x => x.Version is not null && ContainsServerTools(Path.Combine(x.Dir, "bin")))
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "bin"))
            .FirstOrDefault();
    }

    // Folder names are "15", "16" or, for old releases, "9.6"; compare numerically so "10" beats "9.6".
    private static Version? ParseVersion(string name)
    {
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var major))
        {
            return new Version(major, 0);
        }

        return Version.TryParse(name, out var version) ? version : null;
    }

    private static bool ContainsServerTools(string directory) =>
        File.Exists(Path.Combine(directory, "pg_ctl")) && File.Exists(Path.Combine(directory, "initdb"));
}
