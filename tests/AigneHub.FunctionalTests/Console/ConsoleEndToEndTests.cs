using System.Net;
using System.Text.Json;
using AigneHub.FunctionalTests.Access;
using AigneHub.FunctionalTests.Clients;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Console;

/// <summary>
/// The web console end to end: tests/console/console.test.mjs drives headless Chromium (Debian's chromium package,
/// which .ci/run installs; playwright-core never downloads a browser) through the console of a live hub of its own:
/// sign in, the playground (streaming, stop), a provider registered against the fake upstream, credits mode with a
/// 402 and a grant, usage, a key's secret shown once, a member's view. Screenshots of every screen land in
/// tests/console/artifacts.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleEndToEndTests(ConsoleHubFixture hub)
{
    private const string UpstreamApiKey = HubFixture.UpstreamApiKey;

    [Fact]
    public async Task Root_serves_the_console_without_a_key_under_a_policy_that_allows_only_the_hubs_own_code()
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);
        using var page = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"app.js\">", await page.Content.ReadAsStringAsync());
        var policy = page.Headers.GetValues("Content-Security-Policy").Single().Split(';', StringSplitOptions.TrimEntries);
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("script-src 'self'", policy);
        Assert.Contains("style-src 'self'", policy);
        // The hub's API, and the configured issuer for signing in there: nothing else.
        Assert.Contains($"connect-src 'self' {hub.Issuer.Issuer}", policy);
        Assert.DoesNotContain(policy, directive => directive.Contains("unsafe", StringComparison.Ordinal));

        using var script = await anonymous.GetAsync("/app.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Console_settings_name_the_issuer_and_client_people_sign_in_with_and_need_no_key()
    {
        using var anonymous = TestAccess.RestClient(hub.RestUri, key: null);
        using var settings = JsonDocument.Parse(await anonymous.GetStringAsync("/console.json"));
        var oidc = settings.RootElement.GetProperty("oidc");
        Assert.Equal(hub.Issuer.Issuer, oidc.GetProperty("authority").GetString());
        Assert.Equal(LocalOidcIssuer.CodeFlowClientId, oidc.GetProperty("client_id").GetString());
        Assert.Equal("openid profile email", oidc.GetProperty("scope").GetString());
    }

    [Theory]
    [InlineData("/api/no-such-route")]
    [InlineData("/v1/no-such-route")]
    [InlineData("/playground")]
    public async Task Paths_that_are_not_console_files_keep_the_hubs_own_404(string path)
    {
        using var response = await hub.Rest.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotEqual("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Operator_and_member_can_do_their_work_in_the_web_console()
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"Chromium is not installed at {chromium}: apt-get install chromium (.ci/run does it), or set CHROMIUM.");

        // The fake upstream refuses any other key, so the console can show a failing provider before a connected one.
        hub.Upstream.RequiredApiKey = UpstreamApiKey;
        var suite = Path.Combine(RepositoryPaths.Root, "tests", "console");
        if (!Directory.Exists(Path.Combine(suite, "node_modules", "playwright-core")))
        {
            var install = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], suite, TimeSpan.FromMinutes(5));
            Assert.True(install.ExitCode == 0, "npm ci failed:\n" + install.Output);
        }

        var run = await ChildProcess.RunAsync("node", ["--test", "--test-reporter=spec", "console.test.mjs"], suite, TimeSpan.FromMinutes(3), new Dictionary<string, string>
        {
            ["HUB_URL"] = hub.RestUri.ToString().TrimEnd('/'),
            ["HUB_API_KEY"] = TestAccess.OwnerKey,
            ["UPSTREAM_URL"] = hub.Upstream.BaseUrl,
            ["UPSTREAM_KEY"] = UpstreamApiKey,
            ["CHROMIUM"] = chromium,
            ["ARTIFACTS"] = Path.Combine(suite, "artifacts"),
            // playwright-core must use the installed browser, never fetch one.
            ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1",
        });
        Assert.True(run.ExitCode == 0, "console.test.mjs failed:\n" + run.Output);
        Assert.Contains("fail 0", run.Output);
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleHubFixture>
{
    public const string Name = "console";
}

/// <summary>
/// The common hub on a database of its own (the console test registers providers, switches to credits mode and adds
/// users), with the demo answering a word every 50 ms so that a long answer can be stopped while it streams, and a
/// local OIDC issuer that the console can sign people in with.
/// </summary>
public sealed class ConsoleHubFixture : HubFixture, IAsyncLifetime
{
    public LocalOidcIssuer Issuer { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        Issuer = await LocalOidcIssuer.StartAsync();
        await InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Issuer.DisposeAsync();
    }

    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings(FakeOpenAIUpstream upstream) =>
    [
        new("Providers:Demo:WordDelayMs", "50"),
        new("Access:Oidc:Authority", Issuer.Issuer),
        new("Access:Oidc:Audience", Issuer.CodeFlowAudience),
        new("Access:Oidc:RequireHttpsMetadata", "false"),
        new("Console:OidcClientId", LocalOidcIssuer.CodeFlowClientId),
    ];
}
