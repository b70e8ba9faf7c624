using System.Net;
using System.Runtime.Versioning;
using Npgsql;

namespace AigneHub.EmbeddedPostgres;

/// <summary>
/// A private PostgreSQL cluster under the hub's data folder: initialised on first use, started by the hub
/// and stopped by it on shutdown. Used only when no external connection string is configured.
/// </summary>
public sealed class EmbeddedPostgresCluster : IAsyncDisposable
{
    private const int LogTailLines = 20;

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    // Linux keeps a closed connection in TIME-WAIT for 60 s (TCP_TIMEWAIT_LEN); more covers the timer's slack on a busy machine.
    private static readonly TimeSpan TimeWaitLimit = TimeSpan.FromSeconds(75);

    private readonly PostgresControl _control;
    private readonly ILogger _logger;
    private readonly Lock _stopGate = new();
    private readonly FileStream _ownership;
    private Task? _stopTask;

    private EmbeddedPostgresCluster(
        PostgresControl control,
        FileStream ownership,
        ILogger logger,
        int port,
        string connectionString)
    {
        _control = control;
        _ownership = ownership;
        _logger = logger;
        Port = port;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public int Port { get; }

    /// <summary>The cluster's PGDATA folder.</summary>
    public string DataDirectory => _control.Layout.PgData;

    public static async Task<EmbeddedPostgresCluster> StartAsync(
        EmbeddedPostgresOptions options,
        ILogger logger,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException(
                "The embedded PostgreSQL needs a Unix-like system; on Windows configure an external database connection string.");
        }

        Validate(options);

        var layout = new ClusterLayout(options.ResolveDataPath());
        var binPath = await PostgresBinaries.ResolveAsync(options.BinPath, ct).ConfigureAwait(false);
        var control = PostgresControl.Create(binPath, layout);

        logger.LogInformation(
            "Embedded PostgreSQL: data folder {DataPath}, binaries {BinPath}",
            layout.DataPath,
            binPath);

        await ClusterProvisioning.PrepareDataFolderAsync(control, ct).ConfigureAwait(false);

        // One hub per data folder: a second one would otherwise adopt the first one's running server and stop it when
        // it exits. The lock dies with the process, so a crashed hub never blocks the next start.
        var ownership = ClaimDataFolder(layout);
        try
        {
            return await StartOwnedAsync(options, logger, layout, control, ownership, ct).ConfigureAwait(false);
        }
        catch
        {
            await ownership.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static FileStream ClaimDataFolder(ClusterLayout layout)
    {
        var lockFile = Path.Combine(layout.DataPath, "hub.lock");
        try
        {
            // On Unix, FileShare.None takes an exclusive advisory lock (flock) that is released when the process exits.
            return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"Another AIGNE Hub process is using the data folder {layout.DataPath} (it holds {lockFile}). " +
                "Stop that hub first, or give this one its own folder with AIGNEHUB_DATA and its own Embedded:Port.",
                ex);
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static async Task<EmbeddedPostgresCluster> StartOwnedAsync(
        EmbeddedPostgresOptions options,
        ILogger logger,
        ClusterLayout layout,
        PostgresControl control,
        FileStream ownership,
        CancellationToken ct)
    {
        var initialised = layout.IsInitialised();
        var password = await ClusterProvisioning.LoadOrCreatePasswordAsync(layout, initialised, logger, ct).ConfigureAwait(false);

        int port;
        bool startedHere;
        if (initialised && await control.IsRunningAsync(ct).ConfigureAwait(false))
        {
            port = layout.ReadRunningPort() ?? options.Port;
            startedHere = false;
            logger.LogInformation(
                "Embedded PostgreSQL is already running for {PgData} on port {Port}; reusing it",
                layout.PgData,
                port);
            if (port != options.Port)
            {
                logger.LogWarning(
                    "The running embedded PostgreSQL listens on port {RunningPort}, not the configured {ConfiguredPort}; it keeps its port until it is restarted",
                    port,
                    options.Port);
            }
        }
        else
        {
            // Checked before initdb so a busy port fails in a second rather than after creating a cluster.
            await WaitForPortAsync(options.Port, logger, ct).ConfigureAwait(false);
            if (!initialised)
            {
                await ClusterProvisioning.InitialiseAsync(control, password, logger, ct).ConfigureAwait(false);
            }

            await StartServerAsync(control, options, logger, ct).ConfigureAwait(false);
            port = options.Port;
            startedHere = true;
        }

        var cluster = new EmbeddedPostgresCluster(
            control,
            ownership,
            logger,
            port,
            ClusterDatabase.BuildConnectionString(port, password, options.Database, pooling: true));
        try
        {
            await ClusterDatabase.EnsureDatabaseAsync(port, password, options.Database, logger, ct).ConfigureAwait(false);
        }
        catch when (startedHere)
        {
            // StopAsync logs rather than throws, so the reason the start failed is what surfaces. The caller releases the lock.
            await cluster.StopServerAsync().ConfigureAwait(false);
            throw;
        }

        return cluster;
    }

    /// <summary>
    /// Stops the server with a fast shutdown (open sessions are rolled back, data is checkpointed).
    /// A server that was already running when the hub started is stopped too: the embedded cluster
    /// belongs to the hub (the data-folder lock guarantees no other live hub uses it), and a running one is
    /// left over from a hub that did not shut down cleanly. Releases the data folder afterwards.
    /// </summary>
    public async Task StopAsync()
    {
        try
        {
            await StopServerAsync().ConfigureAwait(false);
        }
        finally
        {
            await _ownership.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Task StopServerAsync()
    {
        lock (_stopGate)
        {
            return _stopTask ??= StopCoreAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // Disposal runs during shutdown, where throwing would hide the original reason for stopping.
            _logger.LogError(ex, "Embedded PostgreSQL for {PgData} did not stop cleanly", DataDirectory);
        }
    }

    private async Task StopCoreAsync()
    {
        // Closes the pool's idle sessions gracefully and keeps the pool from handing out sessions the
        // shutdown is about to cut, which would fail on first use after a restart.
        using (var connection = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        var postmasterPid = _control.Layout.ReadPostmasterPid();
        using var timeout = new CancellationTokenSource(StopTimeout + TimeSpan.FromSeconds(30));
        var result = await _control.RunPgCtlAsync(
            [
                "stop", "-D", DataDirectory, "-m", "fast", "-w",
                "-t", ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            ],
            newSession: false,
            killTreeOnCancel: true,
            timeout.Token).ConfigureAwait(false);

        if (!result.Succeeded)
        {
            if (!await _control.IsRunningAsync(timeout.Token).ConfigureAwait(false))
            {
                _logger.LogInformation("Embedded PostgreSQL for {PgData} was already stopped", DataDirectory);
                return;
            }

            throw new InvalidOperationException(
                $"pg_ctl stop failed for '{DataDirectory}' (exit code {result.ExitCode}): {result.CombinedOutput}");
        }

        if (postmasterPid is { } pid)
        {
            await WaitForProcessExitAsync(pid, timeout.Token).ConfigureAwait(false);
        }

        _logger.LogInformation("Embedded PostgreSQL on port {Port} stopped", Port);
    }

    /// <summary>
    /// pg_ctl stop returns once postmaster.pid is gone, which the postmaster deletes just before it exits;
    /// waiting for the process itself means a hub that exits right after stopping leaves nothing running.
    /// </summary>
    private static async Task WaitForProcessExitAsync(int pid, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline && PostgresControl.IsProcessAlive(pid))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct).ConfigureAwait(false);
        }
    }

    private static void Validate(EmbeddedPostgresOptions options)
    {
        if (options.Port is < 1 or > 65535)
        {
            throw new InvalidOperationException(
                $"Embedded:Port must be between 1 and 65535 (was {options.Port}).");
        }

        if (options.StartTimeoutSeconds < 1)
        {
            throw new InvalidOperationException(
                $"Embedded:StartTimeoutSeconds must be positive (was {options.StartTimeoutSeconds}).");
        }

        if (string.IsNullOrWhiteSpace(options.Database) || options.Database.Length > 63)
        {
            throw new InvalidOperationException("Embedded:Database must be a name of 1 to 63 characters.");
        }
    }

    private static async Task StartServerAsync(
        PostgresControl control,
        EmbeddedPostgresOptions options,
        ILogger logger,
        CancellationToken ct)
    {
        var layout = control.Layout;
        var timeoutSeconds = options.StartTimeoutSeconds.ToString(CultureInfo.InvariantCulture);

        // pg_ctl hands -o to the postmaster through /bin/sh, so '' really is an empty value there:
        // no Unix socket at all, only TCP on loopback with password authentication.
        var serverOptions = string.Create(
            CultureInfo.InvariantCulture,
            $"-p {options.Port} -c listen_addresses={ClusterDatabase.LoopbackAddress} -c unix_socket_directories=''");

        logger.LogInformation("Starting embedded PostgreSQL on {Address}:{Port}", ClusterDatabase.LoopbackAddress, options.Port);

        var logOffset = layout.LogLength();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.StartTimeoutSeconds + 30));
        ProcessResult result;
        try
        {
            result = await control.RunPgCtlAsync(
                ["start", "-D", layout.PgData, "-w", "-t", timeoutSeconds, "-l", layout.LogFile, "-o", serverOptions],
                newSession: true,
                // Killing the tree would SIGKILL a postmaster mid-startup; it is stopped properly below.
                killTreeOnCancel: false,
                timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await control.TryStopAfterAbortedStartAsync(logger).ConfigureAwait(false);
            throw;
        }

        if (result.Succeeded)
        {
            logger.LogInformation(
                "Embedded PostgreSQL started on {Address}:{Port}; server log {LogFile}",
                ClusterDatabase.LoopbackAddress,
                options.Port,
                layout.LogFile);
            return;
        }

        var tail = layout.ReadLogTail(LogTailLines, logOffset);
        if (tail.Contains("Address already in use", StringComparison.Ordinal) ||
            tail.Contains("could not bind", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(PortBusyMessage(options.Port) + Environment.NewLine + tail);
        }

        throw new InvalidOperationException(
            $"Embedded PostgreSQL did not start (pg_ctl exit code {result.ExitCode}): {result.CombinedOutput}" +
            Environment.NewLine +
            $"Last lines of {layout.LogFile}:" + Environment.NewLine + tail);
    }

    /// <summary>
    /// Returns once PostgreSQL can listen on the port. A port another program listens on fails at once; a port held
    /// only by a closed connection in TIME-WAIT (after a load test, say) is waited for, since the kernel frees it
    /// within 60 s.
    /// </summary>
    private static async Task WaitForPortAsync(int port, ILogger logger, CancellationToken ct)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(TimeWaitLimit.TotalSeconds * TimeProvider.System.TimestampFrequency);
        var warned = false;
        while (LoopbackPortProbe.TryListen(IPAddress.Loopback, port) is { } error)
        {
            if (LoopbackPortProbe.HasListener(port) || TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException(PortBusyMessage(port) + $" ({error})");
            }

            if (!warned)
            {
                warned = true;
                logger.LogWarning(
                    "Port {Port} on {Address} is held by a closed connection in TIME-WAIT, not by a server; waiting up to {Seconds} s for the system to free it",
                    port,
                    ClusterDatabase.LoopbackAddress,
                    (int)TimeWaitLimit.TotalSeconds);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct).ConfigureAwait(false);
        }
    }

    private static string PortBusyMessage(int port) =>
        $"The embedded PostgreSQL cannot listen on {ClusterDatabase.LoopbackAddress}:{port}: port {port} is already in use by " +
        "another program. Stop that program or pick a free port with the configuration key Embedded:Port " +
        "(environment variable Embedded__Port).";

}
