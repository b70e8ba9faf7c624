using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Hosting;

/// <summary>
/// The README's promise, as a process: with no connection string the hub starts its own PostgreSQL, answers with the
/// demo model, stops it cleanly on Ctrl-C (SIGINT) leaving no postgres process behind, and a second start reuses the
/// data (the first run's call record is still there). The first start creates the owner, prints the owner key once
/// and leaves it in an owner-only file in the data folder; the second start prints no key.
/// </summary>
public sealed partial class EmbeddedDefaultTests : IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "aignehub-embedded-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public EmbeddedDefaultTests()
    {
        Directory.CreateDirectory(_dataPath);
        File.SetUnixFileMode(_dataPath, (UnixFileMode)0b111_101_101);
    }

    [Fact]
    public async Task Hub_without_a_connection_string_runs_on_its_own_postgres_and_stops_it_on_ctrl_c()
    {
        var pgPort = FreePort.Next();

        string firstRequestId;
        await using (var hub = await HubProcess.StartAsync(_dataPath, pgPort))
        {
            var keyFile = Path.Combine(_dataPath, "owner-key.txt");
            var ownerKey = File.ReadAllText(keyFile).Trim();
            Assert.StartsWith("ahk_", ownerKey, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            Assert.Contains(ownerKey, hub.Output, StringComparison.Ordinal);
            using (var anonymous = await hub.Http.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = new object[] { new { role = "user", content = "hi" } } }))
            {
                Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            hub.Authenticate(ownerKey);
            using var response = await hub.Http.PostAsJsonAsync("/v1/chat/completions", new
            {
                model = "demo/echo",
                messages = new object[] { new { role = "user", content = "hello embedded hub" } },
            });
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            Assert.Contains("hello embedded hub", body);
            firstRequestId = response.Headers.GetValues("x-request-id").Single();
            await hub.WaitForCallRecordAsync(firstRequestId);

            var exitCode = await hub.InterruptAsync();
            Assert.Equal(0, exitCode);
        }

        Assert.False(File.Exists(Path.Combine(_dataPath, "postgres", "postmaster.pid")), "postgres left its pid file behind");
        Assert.Empty(PostgresProcessesFor(Path.Combine(_dataPath, "postgres")));

        await using (var hub = await HubProcess.StartAsync(_dataPath, pgPort))
        {
            // The first run's record survived the restart: same cluster, same data; the owner key still works and was not printed again.
            var ownerKey = File.ReadAllText(Path.Combine(_dataPath, "owner-key.txt")).Trim();
            hub.Authenticate(ownerKey);
            await hub.WaitForCallRecordAsync(firstRequestId);
            Assert.DoesNotContain(ownerKey, hub.Output, StringComparison.Ordinal);
            Assert.Equal(0, await hub.InterruptAsync());
        }

        Assert.Empty(PostgresProcessesFor(Path.Combine(_dataPath, "postgres")));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Live (not zombie) processes whose command line names the data directory.</summary>
    private static IReadOnlyList<int> PostgresProcessesFor(string dataDirectory)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var state = File.ReadAllText(Path.Combine(dir, "stat")).Split(' ')[2];
                if (cmdline.Contains(dataDirectory, StringComparison.Ordinal) && state != "Z")
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
