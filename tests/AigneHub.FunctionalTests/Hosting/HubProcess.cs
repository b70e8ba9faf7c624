using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Hosting;

/// <summary>The built hub (src/AigneHub.Api's output) running as a real child process, as an operator starts it.</summary>
internal sealed partial class HubProcess : IAsyncDisposable
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

    /// <summary>Starts the hub on its embedded PostgreSQL (on <paramref name="pgPort"/>) with data in <paramref name="dataPath"/>.</summary>
    public static Task<HubProcess> StartAsync(string dataPath, int pgPort) =>
        StartAsync(dataPath, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = string.Empty,
            ["Embedded__Port"] = pgPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    /// <summary>
    /// Starts the hub with data in <paramref name="dataPath"/> and these extra environment variables. A free port can be
    /// taken by another test process between choosing and binding it: then the start is tried again on other ports.
    /// </summary>
    public static async Task<HubProcess> StartAsync(string dataPath, IReadOnlyDictionary<string, string> environment)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(dataPath, environment);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task<HubProcess> StartOnceAsync(string dataPath, IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(RepositoryPaths.Root, "src", "AigneHub.Api", "bin", RepositoryPaths.Configuration, "net10.0", "AigneHub.Api.dll");
        Assert.True(File.Exists(dll), $"hub not built at {dll}");
        var rest = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        // Through env --default-signal=INT (which execs dotnet in place, so the pid stays the hub's): a test run started
        // in the background by a non-interactive shell inherits SIGINT as ignored, and so would the hub, which then
        // never sees the Ctrl-C a test sends (seen twice: the hub printed nothing after SIGINT).
        var start = new ProcessStartInfo("env")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(dll);
        start.Environment["AIGNEHUB_DATA"] = dataPath;
        start.Environment.Remove(TestDatabase.EnvironmentVariable);
        start.Environment["Hub__RestUrl"] = rest.ToString();
        start.Environment["Hub__GrpcUrl"] = $"http://127.0.0.1:{FreePort.Next()}";
        start.Environment["Providers__Demo__WordDelayMs"] = "0";
        start.Environment["Usage__FlushIntervalMs"] = "20";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

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
                // HasExited turns true before the redirected streams are drained; WaitForExitAsync also waits for their
                // end, so the message carries the hub's last lines (without it, CI once saw an empty output).
                using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                {
                    await process.WaitForExitAsync(drain.Token);
                }

                var output = hub.Output;
                process.Dispose();
                hub.Http.Dispose();
                throw new InvalidOperationException("the hub exited during start-up:\n" + output);
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

    /// <summary>Kills the process with SIGKILL, as the OOM killer or a power-cut container runtime would: no clean-up runs.</summary>
    public async Task KillAsync()
    {
        Assert.Equal(0, Kill(_process.Id, SigKill));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>Sends SIGINT, as Ctrl-C in a terminal does, and waits for a clean exit.</summary>
    public async Task<int> InterruptAsync()
    {
        Assert.Equal(0, Kill(_process.Id, SigInt));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            // Seen once in a full run: say what the hub was doing instead of a bare cancellation.
            var output = Output;
            throw new TimeoutException("The hub did not exit within 60 s of SIGINT. Its last output:\n" + output[Math.Max(0, output.Length - 4_000)..]);
        }

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
    private const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
