using AigneHub.Api.Hosting;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace AigneHub.FunctionalTests.Admin;

/// <summary>
/// A hub of its own (own database, own fake upstreams) for the credential checks: they register providers and script
/// upstream keys that the shared <see cref="HubFixture"/>'s tests use too, and the re-check runs with a one-second
/// first backoff so that a test can watch it revive a credential.
/// </summary>
public sealed class CredentialCheckFixture : IAsyncLifetime
{
    private HubApplication? _hub;

    /// <summary>Speaks the OpenAI protocol: stands in for deepseek, xai, ollama, ….</summary>
    public FakeOpenAIUpstream OpenAI { get; private set; } = null!;

    public FakeAnthropicUpstream Anthropic { get; private set; } = null!;

    public FakeGeminiUpstream Gemini { get; private set; } = null!;

    public HttpClient Rest { get; private set; } = null!;

    /// <summary>The hub's services, to run a job's logic without waiting for its schedule.</summary>
    public IServiceProvider Services => _hub!.App.Services;

    public async Task InitializeAsync()
    {
        OpenAI = await FakeOpenAIUpstream.StartAsync();
        Anthropic = await FakeAnthropicUpstream.StartAsync();
        Gemini = await FakeGeminiUpstream.StartAsync();
        var database = await TestDatabase.CreateAsync("credchecks");
        _hub = await HubApplication.CreateAsync([], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Hub:RestUrl"] = "http://127.0.0.1:0",
            ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
            ["Providers:Demo:Enabled"] = "true",
            ["Providers:Demo:WordDelayMs"] = "0",
            ["Usage:FlushIntervalMs"] = "20",
            ["Hangfire:WorkerCount"] = "1",
            ["Providers:Registry:RefreshIntervalMs"] = "200",
            ["Providers:CredentialRecheck:Enabled"] = "true",
            ["Providers:CredentialRecheck:FirstBackoffSeconds"] = "1",
            ["Providers:CredentialRecheck:MaxBackoffSeconds"] = "2",
            ["Logging:LogLevel:Default"] = "Warning",
            [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
            ["Secrets:ActiveKeyId"] = "test-2026",
            ["Secrets:Keys:test-2026"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        }));
        await _hub.StartAsync();
        Rest = TestAccess.RestClient(_hub.RestUri);
    }

    public async Task DisposeAsync()
    {
        Rest?.Dispose();
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        foreach (var upstream in new IAsyncDisposable?[] { OpenAI, Anthropic, Gemini })
        {
            if (upstream is not null)
            {
                await upstream.DisposeAsync();
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CredentialCheckCollection : ICollectionFixture<CredentialCheckFixture>
{
    public const string Name = "credential-checks";
}
