using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;

namespace AigneHub.EmbeddedPostgres;

/// <summary>
/// Prepares the cluster's files before its server runs: the data folder (reachable by the postgres service account
/// when the hub runs as root), the superuser's password file (owner-only) and the first <c>initdb</c>.
/// </summary>
internal static class ClusterProvisioning
{
    [UnsupportedOSPlatform("windows")]
    internal static async Task PrepareDataFolderAsync(PostgresControl control, CancellationToken ct)
    {
        var layout = control.Layout;
        var createdHere = !Directory.Exists(layout.DataPath);
        if (createdHere)
        {
            Directory.CreateDirectory(layout.DataPath);
            if (control.RunsAsServiceAccount)
            {
                // The process umask may have made it owner-only, which would lock the postgres user out.
                File.SetUnixFileMode(layout.DataPath, Modes.Traversable);
            }
        }

        if (!control.RunsAsServiceAccount)
        {
            Directory.CreateDirectory(layout.LogDirectory);
            return;
        }

        try
        {
            await control.EnsureServiceAccountCanReachAsync(layout.DataPath, ct).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (createdHere)
        {
            // Leave no empty folder behind in a place the user is told to move away from.
            Directory.Delete(layout.DataPath);
            throw;
        }

        // The postgres user cannot create entries in a folder root owns, so its folders are made here.
        if (!Directory.Exists(layout.LogDirectory))
        {
            Directory.CreateDirectory(layout.LogDirectory);
            await control.ChownToServiceAccountAsync(layout.LogDirectory, ct).ConfigureAwait(false);
        }

        if (!Directory.Exists(layout.PgData))
        {
            Directory.CreateDirectory(layout.PgData);
            await control.ChownToServiceAccountAsync(layout.PgData, ct).ConfigureAwait(false);
        }
    }

    [UnsupportedOSPlatform("windows")]
    internal static async Task<string> LoadOrCreatePasswordAsync(
        ClusterLayout layout,
        bool initialised,
        ILogger logger,
        CancellationToken ct)
    {
        if (File.Exists(layout.PasswordFile))
        {
            // Tightened on every start in case someone loosened it; it guards the superuser.
            File.SetUnixFileMode(layout.PasswordFile, Modes.OwnerOnly);
            var stored = (await File.ReadAllTextAsync(layout.PasswordFile, ct).ConfigureAwait(false)).Trim();
            if (stored.Length == 0)
            {
                throw new InvalidOperationException($"The password file '{layout.PasswordFile}' is empty.");
            }

            return stored;
        }

        if (initialised)
        {
            throw new InvalidOperationException(
                $"The embedded PostgreSQL cluster in '{layout.PgData}' exists but its password file " +
                $"'{layout.PasswordFile}' is missing, so the hub cannot log in. Restore the file, or delete " +
                $"'{layout.DataPath}' to start over with an empty database.");
        }

        var password = Base64Url(RandomNumberGenerator.GetBytes(32));
        await WriteOwnerOnlyAsync(layout.PasswordFile, password, ct).ConfigureAwait(false);
        logger.LogInformation("Generated the embedded PostgreSQL superuser password in {PasswordFile}", layout.PasswordFile);
        return password;
    }

    [UnsupportedOSPlatform("windows")]
    internal static async Task InitialiseAsync(
        PostgresControl control,
        string password,
        ILogger logger,
        CancellationToken ct)
    {
        var layout = control.Layout;
        if (Directory.Exists(layout.PgData) && Directory.EnumerateFileSystemEntries(layout.PgData).Any())
        {
            throw new InvalidOperationException(
                $"'{layout.PgData}' is not empty but holds no PostgreSQL cluster (no PG_VERSION). " +
                "Move its contents away or point Embedded:DataPath / AIGNEHUB_DATA at another folder.");
        }

        logger.LogInformation("Initialising a new embedded PostgreSQL cluster in {PgData}", layout.PgData);

        // initdb reads the password from a file; it lives next to the cluster, owner-only, for the
        // seconds initdb needs it, so the password never shows up in a process listing.
        var passwordFile = Path.Combine(layout.DataPath, $".initdb-{Guid.NewGuid():N}.pw");
        try
        {
            await WriteOwnerOnlyAsync(passwordFile, password, ct).ConfigureAwait(false);
            if (control.RunsAsServiceAccount)
            {
                await control.ChownToServiceAccountAsync(passwordFile, ct).ConfigureAwait(false);
            }

            var result = await control.RunToolAsync(
                "initdb",
                [
                    "-D", layout.PgData,
                    "-U", ClusterDatabase.Superuser,
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    "--encoding=UTF8",
                    "--locale=C",
                    $"--pwfile={passwordFile}",
                ],
                newSession: false,
                killTreeOnCancel: true,
                ct).ConfigureAwait(false);

            if (!result.Succeeded)
            {
                throw new InvalidOperationException(
                    $"initdb failed for '{layout.PgData}' (exit code {result.ExitCode}): {result.CombinedOutput}");
            }

            logger.LogDebug("initdb output: {Output}", result.StandardOutput);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    [UnsupportedOSPlatform("windows")]
    internal static async Task WriteOwnerOnlyAsync(string path, string content, CancellationToken ct)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = Modes.OwnerOnly,
        };
        await using (var stream = new FileStream(path, options))
        await using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            await writer.WriteAsync(content.AsMemory(), ct).ConfigureAwait(false);
        }

        File.SetUnixFileMode(path, Modes.OwnerOnly);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static class Modes
    {
        public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        public const UnixFileMode Traversable =
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
            UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    }
}
