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

    private sealed partial class HubProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        private HubProcess(Process process, Uri rest)
        {
            _process = process;
            Http = new HttpClient { BaseAddress = rest, Timeout = TimeSpan.FromSeconds(30) };
        }

        public HttpClient Http { get; }

        public void Authenticate(string key) =>
            Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<HubProcess> StartAsync(string dataPath, int pgPort)
        {
            var dll = Path.Combine(RepositoryPaths.Root, "src", "AigneHub.Api", "bin", RepositoryPaths.Configuration, "net10.0", "AigneHub.Api.dll");
            Assert.True(File.Exists(dll), $"hub not built at {dll}");
            var rest = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = Path.GetDirectoryName(dll)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.ArgumentList.Add(dll);
            start.Environment["AIGNEHUB_DATA"] = dataPath;
            start.Environment["ConnectionStrings__Postgres"] = string.Empty;
            start.Environment.Remove(TestDatabase.EnvironmentVariable);
            start.Environment["Embedded__Port"] = pgPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["Hub__RestUrl"] = rest.ToString();
            start.Environment["Hub__GrpcUrl"] = $"http://127.0.0.1:{FreePort.Next()}";
            start.Environment["Providers__Demo__WordDelayMs"] = "0";
            start.Environment["Usage__FlushIntervalMs"] = "20";

            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the hub");
            var hub = new HubProcess(process, rest);
            process.OutputDataReceived += (_, e) => hub.Append(e.Data);
            process.ErrorDataReceived += (_, e) => hub.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException("the hub exited during start-up:\n" + hub.Output);
                }

                try
                {
                    using var health = await hub.Http.GetAsync("/healthz");
                    if (health.IsSuccessStatusCode)
                    {
                        return hub;
                    }
                }
                catch (HttpRequestException)
                {
                }

                if (DateTime.UtcNow > deadline)
                {
                    await hub.DisposeAsync();
                    throw new TimeoutException("the hub did not become healthy within 120 s:\n" + hub.Output);
                }

                await Task.Delay(250);
            }
        }

        public async Task WaitForCallRecordAsync(string requestId)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                using var document = JsonDocument.Parse(await Http.GetStringAsync("/api/usage/calls?limit=50"));
                if (document.RootElement.GetProperty("calls").EnumerateArray().Any(c => c.GetProperty("request_id").GetString() == requestId))
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, $"no call record for {requestId}:\n{Output}");
                await Task.Delay(100);
            }
        }

        /// <summary>Sends SIGINT, as Ctrl-C in a terminal does, and waits for a clean exit.</summary>
        public async Task<int> InterruptAsync()
        {
            Assert.Equal(0, Kill(_process.Id, SigInt));
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            if (!_process.HasExited)
            {
                Kill(_process.Id, SigInt);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                try
                {
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }

        private const int SigInt = 2;

        [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static partial int Kill(int pid, int signal);
    }
}
