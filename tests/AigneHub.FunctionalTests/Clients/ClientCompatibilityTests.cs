using System.Diagnostics;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Clients;

/// <summary>
/// Runs the official client packages (tests/clients: `openai` and `@aigne/aigne-hub`) against this hub, unchanged
/// except for its base URL.
/// Node's own test runner reports each case; a failure shows its output here.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class ClientCompatibilityTests(HubFixture hub)
{
    [Fact]
    public Task Official_openai_npm_client_works_against_the_hub() => RunClientSuiteAsync("openai", "openai-sdk.test.mjs", "openai-sdk-media.test.mjs");

    [Fact]
    public Task Official_aigne_hub_client_works_against_the_hub() => RunClientSuiteAsync(Path.Combine("@aigne", "aigne-hub"), "aigne-hub.test.mjs");

    private async Task RunClientSuiteAsync(string package, params string[] suites)
    {
        var clients = Path.Combine(RepositoryPaths.Root, "tests", "clients");
        if (!Directory.Exists(Path.Combine(clients, "node_modules", package)))
        {
            var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], clients, TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, "npm ci failed:\n" + install.Output);
        }

        var run = await RunAsync(
            "node",
            ["--test", "--test-reporter=spec", .. suites],
            clients,
            TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { ["HUB_URL"] = hub.RestUri.ToString().TrimEnd('/'), ["HUB_API_KEY"] = TestAccess.OwnerKey });

        Assert.True(run.ExitCode == 0, string.Join(", ", suites) + " failed:\n" + run.Output);
        Assert.Contains("fail 0", run.Output);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string file,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan timeout,
        IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
