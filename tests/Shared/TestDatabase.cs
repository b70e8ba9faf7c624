using AigneHub.Infrastructure.Hosting.EmbeddedPostgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace AigneHub.Tests.Shared;

/// <summary>
/// A real PostgreSQL for tests. The test command (eng/test.sh) starts a throwaway server and passes its connection
/// string in AIGNEHUB_TEST_POSTGRES; a plain `dotnet test` without it starts the hub's own embedded cluster in a
/// temporary folder instead, stopped when the test process exits. Every caller gets a fresh database of its own, so
/// tests start from a clean state and never see each other's data.
/// </summary>
public static class TestDatabase
{
    public const string EnvironmentVariable = "AIGNEHUB_TEST_POSTGRES";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _serverConnectionString;
    private static EmbeddedPostgresCluster? _embedded;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateAsync(string purpose)
    {
        var server = await ServerAsync();
        var name = $"t_{Sanitize(purpose)}_{Guid.NewGuid():N}";
        name = name[..Math.Min(name.Length, 40)];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
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

public static class FreePort
{
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
