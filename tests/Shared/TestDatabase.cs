using AigneHub.EmbeddedPostgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AigneHub.Tests.Shared;

/// <summary>
/// A real PostgreSQL for tests. The test command (eng/test.sh) starts a throwaway server and passes its connection
/// string in AIGNEHUB_TEST_POSTGRES; a plain `dotnet test` without it starts the hub's own embedded cluster in a
/// temporary folder instead, owned by this test process (see <see cref="ClusterWatchdog"/>). Every caller gets a fresh
/// database of its own, so tests start from a clean state and never see each other's data.
/// </summary>
/// <remarks>
/// The connection budget of a test run (docs/operations.md, "Test runs"): every connection string handed out caps
/// each pool built from it at <see cref="MaxPoolSizePerDataSource"/> connections and closes idle ones after
/// <see cref="IdleSeconds"/>, so a finished test class stops holding connections within seconds instead of the five
/// minutes Npgsql keeps them by default. xunit's conservative parallel algorithm runs at most two test classes of
/// the integration assembly at once, the functional assembly runs its collections one by one, and a hub sizes its
/// own pools from Database:MaxConnections (30, overriding the pool size here); eng/test-postgres.sh sizes
/// max_connections from that with a wide margin.
/// </remarks>
public static class TestDatabase
{
    public const string EnvironmentVariable = "AIGNEHUB_TEST_POSTGRES";

    /// <summary>The most connections one pool (one data source, or one connection string's shared pool) may open.</summary>
    public const int MaxPoolSizePerDataSource = 10;

    /// <summary>How long an idle pooled connection stays open.</summary>
    public const int IdleSeconds = 4;

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _serverConnectionString;
    private static EmbeddedPostgresCluster? _embedded;

    /// <summary>Creates an empty database and returns its connection string, with the test run's pool limits.</summary>
    public static async Task<string> CreateAsync(string purpose)
    {
        var server = await ServerAsync();
        var name = $"t_{Sanitize(purpose)}_{Guid.NewGuid():N}";
        name = name[..Math.Min(name.Length, 40)];
        // Unpooled: this admin session is used once and must not sit idle in a pool for the rest of the run.
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server)
        {
            Database = name,
            MaxPoolSize = MaxPoolSizePerDataSource,
            ConnectionIdleLifetime = IdleSeconds,
            ConnectionPruningInterval = 1,
        }.ConnectionString;
    }

    private static async Task<string> ServerAsync()
    {
        if (_serverConnectionString is not null)
        {
            return _serverConnectionString;
        }

        await Gate.WaitAsync();
        try
        {
            if (_serverConnectionString is not null)
            {
                return _serverConnectionString;
            }

            var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(configured))
            {
                _serverConnectionString = configured;
                return configured;
            }

            var folder = Path.Combine(Path.GetTempPath(), "aignehub-tests-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
            }
            _embedded = await EmbeddedPostgresCluster.StartAsync(
                new EmbeddedPostgresOptions { DataPath = folder, Port = FreePort.Next() },
                NullLogger.Instance,
                CancellationToken.None);
            // ProcessExit does not run when the test host is killed (a timeout, a crash, a Ctrl-C of dotnet test):
            // the watchdog, outside this process tree, stops the cluster and deletes its folder once this process is gone.
            ClusterWatchdog.Start(Environment.ProcessId, _embedded.DataDirectory, folder);
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            {
                _embedded.StopAsync().GetAwaiter().GetResult();
                Directory.Delete(folder, recursive: true);
            };
            _serverConnectionString = _embedded.ConnectionString;
            return _serverConnectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static string Sanitize(string purpose) =>
        new(purpose.ToLowerInvariant().Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9').Take(16).ToArray());
}

/// <summary>
/// A port for a server a test starts later (a hub process, an embedded PostgreSQL). Taken below the kernel's ephemeral
/// range: a port from that range (what binding port 0 gives) can be handed to any outgoing connection of the test run
/// in the seconds between this check and the server's bind (an initdb takes that long), and the server then fails to
/// start with "address already in use". Below the range only an explicit bind can take it; ports are drawn at random
/// so that test processes running side by side rarely pick the same one, and never twice in one process.
/// </summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        var (low, high) = Range();
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var port = Random.Shared.Next(low, high);
            lock (Given)
            {
                if (Given.Contains(port))
                {
                    continue;
                }
            }

            try
            {
                using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));
            }
            catch (System.Net.Sockets.SocketException)
            {
                continue;
            }

            lock (Given)
            {
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free port found between {low} and {high}");
    }

    /// <summary>Ports below the ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range, 32768–60999 by default).</summary>
    private static (int Low, int High) Range()
    {
        var ephemeralLow = 32768;
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            ephemeralLow = int.Parse(text[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }

        var high = Math.Clamp(ephemeralLow, 2048, 65535);
        return (Math.Max(1024, high - 12000), high);
    }
}
