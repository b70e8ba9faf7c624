namespace AigneHub.EmbeddedPostgres;

/// <summary>
/// Runs the PostgreSQL server tools for one cluster. initdb, pg_ctl and postgres refuse to run as root,
/// so a root hub runs them as the <c>postgres</c> OS user through runuser.
/// </summary>
internal sealed class PostgresControl
{
    public const string ServiceAccount = "postgres";

    // pg_ctl status exit code when the data folder is valid and no server runs in it.
    private const int StatusNotRunning = 3;

    private readonly string _binPath;
    private readonly string? _runuser;
    private readonly string? _setsid;

    private PostgresControl(string binPath, ClusterLayout layout, string? runuser, string? setsid)
    {
        _binPath = binPath;
        Layout = layout;
        _runuser = runuser;
        _setsid = setsid;
    }

    public ClusterLayout Layout { get; }

    public bool RunsAsServiceAccount => _runuser is not null;

    public static PostgresControl Create(string binPath, ClusterLayout layout)
    {
        string? runuser = null;
        if (Environment.IsPrivilegedProcess)
        {
            runuser = ProcessRunner.FindOnPath("runuser")
                ?? new[] { "/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser" }.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException(
                    "The hub runs as root, and PostgreSQL refuses to; 'runuser' (util-linux) is needed to run it " +
                    $"as the '{ServiceAccount}' user but was not found. Run the hub as an ordinary user instead.");
        }

        return new PostgresControl(binPath, layout, runuser, ProcessRunner.FindOnPath("setsid"));
    }

    public Task<ProcessResult> RunPgCtlAsync(
        IReadOnlyList<string> arguments,
        bool newSession,
        bool killTreeOnCancel,
        CancellationToken ct) =>
        RunToolAsync("pg_ctl", arguments, newSession, killTreeOnCancel, ct);

    public Task<ProcessResult> RunToolAsync(
        string tool,
        IReadOnlyList<string> arguments,
        bool newSession,
        bool killTreeOnCancel,
        CancellationToken ct)
    {
        var command = new List<string>();

        // Its own session keeps the postmaster out of the terminal's process group: a Ctrl-C then reaches
        // only the hub, which stops PostgreSQL itself after its own work has drained.
        if (newSession && _setsid is not null)
        {
            command.AddRange([_setsid, "--wait"]);
        }

        if (_runuser is not null)
        {
            command.AddRange([_runuser, "-u", ServiceAccount, "--"]);
        }

        command.Add(Path.Combine(_binPath, tool));
        command.AddRange(arguments);
        return ProcessRunner.RunAsync(command[0], command.Skip(1), killTreeOnCancel, ct);
    }

    public async Task<bool> IsRunningAsync(CancellationToken ct)
    {
        var result = await RunPgCtlAsync(["status", "-D", Layout.PgData], newSession: false, killTreeOnCancel: true, ct)
            .ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => true,
            StatusNotRunning => false,
            _ => throw new InvalidOperationException(
                $"pg_ctl status failed for '{Layout.PgData}' (exit code {result.ExitCode}): {result.CombinedOutput}"),
        };
    }

    /// <summary>Best effort after a cancelled or timed-out start, so no postmaster outlives the hub.</summary>
    public async Task TryStopAfterAbortedStartAsync(ILogger logger)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await RunPgCtlAsync(
                ["stop", "-D", Layout.PgData, "-m", "fast", "-w", "-t", "60"],
                newSession: false,
                killTreeOnCancel: true,
                timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not stop the embedded PostgreSQL after an aborted start in {PgData}", Layout.PgData);
        }
    }

    public async Task ChownToServiceAccountAsync(string path, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(
            "chown",
            ["-R", $"{ServiceAccount}:{ServiceAccount}", path],
            killTreeOnCancel: true,
            ct).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"Could not hand '{path}' to the '{ServiceAccount}' user (does that user exist?): {result.CombinedOutput}");
        }
    }

    /// <summary>
    /// Fails early, naming the folder at fault, when the postgres user cannot reach the data folder
    /// (typically a parent such as /root with mode 700); otherwise initdb fails with a vaguer message.
    /// </summary>
    public async Task EnsureServiceAccountCanReachAsync(string dataPath, CancellationToken ct)
    {
        if (await CanTraverseAsync(dataPath, ct).ConfigureAwait(false))
        {
            return;
        }

        var blocking = dataPath;
        foreach (var folder in SelfAndAncestors(dataPath).Reverse())
        {
            if (!await CanTraverseAsync(folder, ct).ConfigureAwait(false))
            {
                blocking = folder;
                break;
            }
        }

        throw new InvalidOperationException(
            $"The embedded PostgreSQL runs as the '{ServiceAccount}' user, which cannot enter '{blocking}' " +
            $"on the way to the data folder '{dataPath}'. Give it access (e.g. chmod o+x '{blocking}') or " +
            $"put the data in a folder it can reach by setting the {EmbeddedPostgresOptions.DataPathEnvironmentVariable} " +
            "environment variable (or Embedded:DataPath), e.g. AIGNEHUB_DATA=/var/lib/aignehub.");
    }

    private async Task<bool> CanTraverseAsync(string folder, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(
            _runuser!,
            ["-u", ServiceAccount, "--", "test", "-x", folder],
            killTreeOnCancel: true,
            ct).ConfigureAwait(false);
        return result.Succeeded;
    }

    /// <summary>
    /// Whether a process still runs. A zombie counts as gone: it has exited and only waits for its new
    /// parent (init, or a container's pid 1) to collect it. Without /proc this answers false.
    /// </summary>
    public static bool IsProcessAlive(int pid)
    {
        try
        {
            // /proc/<pid>/stat is "pid (comm) state ..."; comm may contain spaces or parentheses.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterComm = stat.LastIndexOf(')');
            return afterComm >= 0 && afterComm + 2 < stat.Length && stat[afterComm + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static IEnumerable<string> SelfAndAncestors(string path)
    {
        for (var current = path; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            yield return current;
        }
    }
}
