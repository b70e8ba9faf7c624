using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using AigneHub.EmbeddedPostgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AigneHub.IntegrationTests.Hosting;

// The embedded cluster is Unix-only (runuser, setsid, file modes).
[UnsupportedOSPlatform("windows")]
public sealed class EmbeddedPostgresClusterTests : IAsyncLifetime
{
    private const UnixFileMode Traversable =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly string _dataPath =
        Path.Combine(Path.GetTempPath(), "aignehub-embedded-" + Guid.NewGuid().ToString("N")[..8]);

    private readonly List<EmbeddedPostgresCluster> _clusters = [];

    private string PgData => Path.Combine(_dataPath, "postgres");

    private string PidFile => Path.Combine(PgData, "postmaster.pid");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataPath);
        // When the tests run as root the server runs as the postgres user, which must be able to enter it.
        File.SetUnixFileMode(_dataPath, Traversable);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var cluster in _clusters)
        {
            await cluster.DisposeAsync();
        }

        // A test that failed half-way may have left a server behind without a cluster object to stop it.
        if (File.Exists(PidFile))
        {
            var binPath = await PostgresBinaries.ResolveAsync(null, CancellationToken.None);
            await PostgresControl.Create(binPath, new ClusterLayout(_dataPath))
                .TryStopAfterAbortedStartAsync(NullLogger.Instance);
        }

        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    [Fact]
    public async Task First_start_initialises_a_cluster_and_creates_the_database()
    {
        var options = Options(Tests.Shared.FreePort.Next());

        var cluster = await StartAsync(options);

        Assert.Equal(options.Port, cluster.Port);
        Assert.Equal(PgData, cluster.DataDirectory);
        Assert.True(File.Exists(Path.Combine(PgData, "PG_VERSION")));
        var connection = new NpgsqlConnectionStringBuilder(cluster.ConnectionString);
        Assert.Equal("aignehub_it", connection.Database);
        Assert.True(connection.Pooling);

        await using (var session = new NpgsqlConnection(cluster.ConnectionString))
        {
            await session.OpenAsync();
            await using var command = new NpgsqlCommand("select 1", session);
            Assert.Equal(1, await command.ExecuteScalarAsync());
        }

        var passwordFile = Path.Combine(_dataPath, "postgres.password");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        Assert.Equal(connection.Password, File.ReadAllText(passwordFile).Trim());
    }

    [Fact]
    public async Task Data_survives_a_stop_and_a_start_on_the_same_folder()
    {
        var options = Options(Tests.Shared.FreePort.Next());
        var first = await StartAsync(options);
        await ExecuteAsync(first.ConnectionString, "create table notes (body text); insert into notes values ('kept')");
        var postmasterPid = int.Parse(File.ReadLines(PidFile).First());

        await first.StopAsync();

        Assert.False(File.Exists(PidFile), "postmaster.pid should be removed by a clean shutdown");
        Assert.False(PostgresControl.IsProcessAlive(postmasterPid), $"postmaster {postmasterPid} is still running");
        var binPath = await PostgresBinaries.ResolveAsync(null, CancellationToken.None);
        Assert.False(await PostgresControl.Create(binPath, new ClusterLayout(_dataPath)).IsRunningAsync(CancellationToken.None));

        var second = await StartAsync(options);
        await using var session = new NpgsqlConnection(second.ConnectionString);
        await session.OpenAsync();
        await using var command = new NpgsqlCommand("select body from notes", session);
        Assert.Equal("kept", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_second_hub_on_the_same_data_folder_is_refused_and_leaves_the_first_running()
    {
        var options = Options(Tests.Shared.FreePort.Next());
        var first = await StartAsync(options);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => EmbeddedPostgresCluster.StartAsync(options, NullLogger.Instance, CancellationToken.None));

        Assert.Contains("Another AIGNE Hub process is using the data folder", error.Message);
        await ExecuteAsync(first.ConnectionString, "select 1");
        await first.StopAsync();

        // Once the first hub let go, the folder can be used again.
        var again = await StartAsync(options);
        await ExecuteAsync(again.ConnectionString, "select 1");
    }

    [Fact]
    public async Task A_busy_port_fails_with_a_message_naming_the_port()
    {
        var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        try
        {
            var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(Options(port)));

            Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message);
            Assert.Contains("Embedded:Port", error.Message);
            Assert.False(File.Exists(PidFile));
        }
        finally
        {
            blocker.Stop();
        }
    }

    [Fact]
    public async Task A_port_whose_last_connection_is_in_time_wait_does_not_stop_the_start()
    {
        var port = LeaveConnectionInTimeWait();
        // What the hub met after a load test: nothing listens on the port, but its last connection (made by a client
        // without SO_REUSEADDR, as curl or wrk make them) is in TIME-WAIT, where even PostgreSQL's own bind is refused.
        for (var i = 0; i < 100 && !PortsInTimeWait().Contains(port); i++)
        {
            await Task.Delay(20);
        }

        Assert.Contains(port, PortsInTimeWait());
        Assert.NotNull(LoopbackPortProbe.TryListen(IPAddress.Loopback, port));
        Assert.False(LoopbackPortProbe.HasListener(port));

        // The start waits for the kernel to free the port (at most 60 s) instead of failing.
        var cluster = await StartAsync(Options(port));

        Assert.Equal(port, cluster.Port);
        await ExecuteAsync(cluster.ConnectionString, "select 1");
    }

    [Fact]
    public void A_listening_port_is_told_apart_from_one_in_time_wait()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;

            Assert.NotNull(LoopbackPortProbe.TryListen(IPAddress.Loopback, port));
            Assert.True(LoopbackPortProbe.HasListener(port));
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>
    /// Connects from a port below the kernel's ephemeral range (so no other connection of the machine can take it while
    /// the test waits) and closes from that side first, so that side enters TIME-WAIT as a client's socket without
    /// SO_REUSEADDR does: .NET sets the option on every bind, so it is cleared again before the close, which is when the
    /// TIME-WAIT socket inherits it.
    /// </summary>
    private static int LeaveConnectionInTimeWait()
    {
        var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        try
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var port = BindBelowEphemeralRange(client);
            client.Connect(server.LocalEndpoint);
            using var accepted = server.AcceptSocket();
            client.SetRawSocketOption(1, 2, BitConverter.GetBytes(0));
            client.Shutdown(SocketShutdown.Both);
            Assert.Equal(0, accepted.Receive(new byte[1]));
            accepted.Close();
            client.Close();
            return port;
        }
        finally
        {
            server.Stop();
        }
    }

    private static int BindBelowEphemeralRange(Socket socket)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 100)
            {
            }
        }
    }

    /// <summary>Local ports of IPv4 sockets in TIME-WAIT (state 06 in /proc/net/tcp).</summary>
    private static List<int> PortsInTimeWait() =>
        [.. File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields[3] == "06")
            .Select(fields => int.Parse(fields[1].Split(':')[1], System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture))];

    private EmbeddedPostgresOptions Options(int port) => new()
    {
        DataPath = _dataPath,
        Port = port,
        Database = "aignehub_it",
        StartTimeoutSeconds = 30,
    };

    private async Task<EmbeddedPostgresCluster> StartAsync(EmbeddedPostgresOptions options)
    {
        var cluster = await EmbeddedPostgresCluster.StartAsync(options, NullLogger.Instance, CancellationToken.None);
        _clusters.Add(cluster);
        return cluster;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var session = new NpgsqlConnection(connectionString);
        await session.OpenAsync();
        await using var command = new NpgsqlCommand(sql, session);
        await command.ExecuteNonQueryAsync();
    }
}
