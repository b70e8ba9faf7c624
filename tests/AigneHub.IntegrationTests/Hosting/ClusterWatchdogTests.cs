using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using AigneHub.EmbeddedPostgres;
using AigneHub.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace AigneHub.IntegrationTests.Hosting;

/// <summary>A test run's own PostgreSQL never outlives the run, however the test process ends.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class ClusterWatchdogTests
{
    [Fact]
    public async Task A_killed_owner_leaves_no_postgresql_and_no_folder_behind()
    {
        var folder = Path.Combine(Path.GetTempPath(), "aignehub-watchdog-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        using var owner = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        var cluster = await EmbeddedPostgresCluster.StartAsync(
            new EmbeddedPostgresOptions { DataPath = folder, Port = FreePort.Next() }, NullLogger.Instance, CancellationToken.None);
        var postmaster = int.Parse(File.ReadLines(Path.Combine(cluster.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        try
        {
            ClusterWatchdog.Start(owner.Id, cluster.DataDirectory, folder);

            // What a test host killed by a timeout or a crash looks like from outside: gone, without running any handler.
            owner.Kill();
            await owner.WaitForExitAsync();
            for (var i = 0; i < 600 && (IsRunning(postmaster) || Directory.Exists(folder)); i++)
            {
                await Task.Delay(100);
            }

            Assert.False(IsRunning(postmaster), $"postmaster {postmaster} still runs after its owner was killed");
            Assert.False(Directory.Exists(folder), $"{folder} still exists after its owner was killed");
        }
        finally
        {
            if (IsRunning(postmaster))
            {
                await cluster.StopAsync();
            }
        }
    }

    [Fact]
    public async Task A_live_owner_keeps_its_cluster()
    {
        var folder = Path.Combine(Path.GetTempPath(), "aignehub-watchdog-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        var cluster = await EmbeddedPostgresCluster.StartAsync(
            new EmbeddedPostgresOptions { DataPath = folder, Port = FreePort.Next() }, NullLogger.Instance, CancellationToken.None);
        var postmaster = int.Parse(File.ReadLines(Path.Combine(cluster.DataDirectory, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        try
        {
            ClusterWatchdog.Start(Environment.ProcessId, cluster.DataDirectory, folder);
            await Task.Delay(2_500);

            Assert.True(IsRunning(postmaster));
            Assert.True(Directory.Exists(cluster.DataDirectory));
        }
        finally
        {
            await cluster.StopAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool IsRunning(int pid) =>
        File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z";
}
