using System.Diagnostics;
using System.Globalization;

namespace AigneHub.FunctionalTests.Hosting;

/// <summary>The throwaway server of eng/test.sh belongs to the test run: it never outlives it.</summary>
public sealed class TestPostgresScriptTests
{
    [Fact]
    public async Task The_test_server_stops_and_is_deleted_when_the_run_that_owns_it_is_killed()
    {
        var state = Path.Combine(Path.GetTempPath(), "aignehub-script-" + Guid.NewGuid().ToString("N")[..8] + ".state");
        using var owner = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        var start = new ProcessStartInfo(Path.Combine(RepositoryPaths.Root, "eng", "test-postgres.sh"), "start")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["AIGNEHUB_TEST_PG_STATE"] = state;
        start.Environment["AIGNEHUB_TEST_PG_OWNER"] = owner.Id.ToString(CultureInfo.InvariantCulture);
        using (var script = Process.Start(start)!)
        {
            var stderr = script.StandardError.ReadToEndAsync();
            var connectionString = await script.StandardOutput.ReadToEndAsync();
            await script.WaitForExitAsync();
            Assert.True(script.ExitCode == 0, await stderr);
            Assert.StartsWith("Host=127.0.0.1;", connectionString, StringComparison.Ordinal);
        }

        var folder = File.ReadAllText(state).Trim();
        var postmaster = int.Parse(File.ReadLines(Path.Combine(folder, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        try
        {
            // The test run dies without running its EXIT trap (SIGKILL, an OOM kill, a CI timeout).
            owner.Kill();
            await owner.WaitForExitAsync();
            // The watchdog stops the server, deletes its folder, then its state file: wait for all three.
            for (var i = 0; i < 600 && (IsRunning(postmaster) || Directory.Exists(folder) || File.Exists(state)); i++)
            {
                await Task.Delay(100);
            }

            Assert.False(IsRunning(postmaster), $"postmaster {postmaster} still runs after the run that owned it was killed");
            Assert.False(Directory.Exists(folder), $"{folder} is still there");
            Assert.False(File.Exists(state), "the state file still names a server");
        }
        finally
        {
            if (IsRunning(postmaster))
            {
                var stop = new ProcessStartInfo(Path.Combine(RepositoryPaths.Root, "eng", "test-postgres.sh"), "stop") { UseShellExecute = false };
                stop.Environment["AIGNEHUB_TEST_PG_STATE"] = state;
                using var stopping = Process.Start(stop)!;
                await stopping.WaitForExitAsync();
            }
        }
    }

    private static bool IsRunning(int pid) =>
        File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z";
}
