using System.Diagnostics;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Clients;

/// <summary>
/// Runs the official client packages (tests/clients: `openai`, `@aigne/aigne-hub`, `@anthropic-ai/sdk`, the Vercel AI
/// SDK, LangChain JS and `@grpc/grpc-js`) against this hub, unchanged except for its base URL.
/// Node's own test runner reports each case; a failure shows its output here.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class ClientCompatibilityTests(HubFixture hub)
{
    [Fact]
    public Task Official_openai_npm_client_works_against_the_hub() => RunClientSuiteAsync("openai", "openai-sdk.test.mjs", "openai-sdk-media.test.mjs");

    [Fact]
    public async Task Official_openai_npm_client_raises_its_typed_errors_for_the_hubs_refusals()
    {
        var member = await AdminJsonAsync("/api/admin/users", new { display_name = "sdk-errors", role = "member", email = "sdk-errors@example.com" });
        var userId = member.GetProperty("user").GetProperty("id").GetString();
        var restricted = await AdminJsonAsync("/api/admin/keys", new { user_id = userId, name = "demo only", scopes = new[] { "inference" }, models = new[] { "demo/*" } });
        var limited = await AdminJsonAsync("/api/admin/keys", new { user_id = userId, name = "one a minute", scopes = new[] { "inference" }, requests_per_minute = 1 });

        await RunClientSuiteAsync("openai", ["openai-sdk-errors.test.mjs"], new Dictionary<string, string>
        {
            ["HUB_RESTRICTED_KEY"] = restricted.GetProperty("secret").GetString()!,
            ["HUB_LIMITED_KEY"] = limited.GetProperty("secret").GetString()!,
        });
    }

    [Fact]
    public async Task Official_openai_npm_client_assembles_an_anthropic_tool_call_stream_as_the_unary_answer()
    {
        const string Model = "anthropic/claude-sonnet-4-5";
        await using var anthropic = await FakeAnthropicUpstream.StartAsync();
        await Chat.AnthropicProviderSetup.PointAtAsync(hub, anthropic, Model);
        anthropic.ReplyToolUse(null, new FakeAnthropicToolUse("toolu_01A", "get_weather", """{"city":"Paris"}"""));

        await RunClientSuiteAsync("openai", ["openai-sdk-anthropic.test.mjs"], new Dictionary<string, string> { ["HUB_ANTHROPIC_MODEL"] = Model });
    }

    [Fact]
    public Task Grpc_js_reads_the_hubs_refusal_messages_intact() =>
        RunClientSuiteAsync(Path.Combine("@grpc", "grpc-js"), ["grpc-js.test.mjs"], new Dictionary<string, string> { ["HUB_GRPC_URL"] = hub.GrpcUri.ToString() });

    [Fact]
    public Task Official_openai_npm_client_uses_the_responses_api_and_legacy_completions() => RunClientSuiteAsync("openai", "openai-sdk-responses.test.mjs");

    [Fact]
    public Task Vercel_ai_sdk_default_openai_provider_works_against_the_hub() => RunClientSuiteAsync("ai", "ai-sdk.test.mjs");

    [Fact]
    public Task LangChain_chat_openai_on_the_responses_api_works_against_the_hub() => RunClientSuiteAsync(Path.Combine("@langchain", "openai"), "langchain.test.mjs");

    [Fact]
    public Task Official_anthropic_npm_client_works_against_v1_messages() => RunClientSuiteAsync(Path.Combine("@anthropic-ai", "sdk"), "anthropic-sdk.test.mjs");

    [Fact]
    public async Task Clients_of_the_translated_surfaces_work_with_openai_and_anthropic_protocols_behind_the_hub()
    {
        const string anthropicModel = "anthropic/claude-sonnet-4-5";
        await using var anthropic = await FakeAnthropicUpstream.StartAsync();
        await Chat.AnthropicProviderSetup.PointAtAsync(hub, anthropic, anthropicModel);
        hub.Upstream.Echo();

        await RunClientSuiteAsync(Path.Combine("@anthropic-ai", "sdk"), ["sdk-upstreams.test.mjs"], new Dictionary<string, string>
        {
            ["HUB_OPENAI_MODEL"] = "openai/gpt-4o-mini",
            ["HUB_ANTHROPIC_MODEL"] = anthropicModel,
        });
        Assert.True(anthropic.RequestCount > 0, "the anthropic upstream was called");
    }

    [Fact]
    public Task Official_aigne_hub_client_works_against_the_hub() => RunClientSuiteAsync(Path.Combine("@aigne", "aigne-hub"), "aigne-hub.test.mjs");

    private Task RunClientSuiteAsync(string package, params string[] suites) => RunClientSuiteAsync(package, suites, new Dictionary<string, string>());

    private async Task RunClientSuiteAsync(string package, string[] suites, Dictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>(extra) { ["HUB_URL"] = hub.RestUri.ToString().TrimEnd('/'), ["HUB_API_KEY"] = TestAccess.OwnerKey };
        var run = await NodeSuites.RunAsync(package, suites, environment);
        Assert.True(run.ExitCode == 0, string.Join(", ", suites) + " failed:\n" + run.Output);
        Assert.Contains("fail 0", run.Output);
    }

    private async Task<System.Text.Json.JsonElement> AdminJsonAsync(string path, object body)
    {
        using var response = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(hub.Rest, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }
}

/// <summary>Runs suites of tests/clients with Node's test runner (installing the packages first when missing).</summary>
internal static class NodeSuites
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string package, string[] suites, IDictionary<string, string> environment)
    {
        var clients = Path.Combine(RepositoryPaths.Root, "tests", "clients");
        if (!Directory.Exists(Path.Combine(clients, "node_modules", package)))
        {
            var install = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], clients, TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, "npm ci failed:\n" + install.Output);
        }

        return await ChildProcess.RunAsync("node", ["--test", "--test-reporter=spec", .. suites], clients, TimeSpan.FromMinutes(2), environment);
    }
}

/// <summary>Runs a client program to its end within a time limit, with its output (stdout then stderr) for assertions.</summary>
internal static class ChildProcess
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
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
