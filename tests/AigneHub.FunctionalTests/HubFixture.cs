using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Hosting;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;

namespace AigneHub.FunctionalTests;

/// <summary>
/// The whole hub on real ports (REST and gRPC), on a fresh database of its own, with the OpenAI provider pointed at
/// an in-process fake upstream and the demo provider on (no word delay). Shared by the tests of one collection, which
/// xunit runs one at a time, so each test may script the fake upstream as it needs.
/// </summary>
public class HubFixture : IAsyncLifetime
{
    public const string UpstreamApiKey = "sk-test-upstream-0123456789abcdef";

    public const string CorsOrigin = "https://app.example.com";

    private HubApplication? _hub;

    public FakeOpenAIUpstream Upstream { get; private set; } = null!;

    public HttpClient Rest { get; private set; } = null!;

    public GrpcChannel Grpc { get; private set; } = null!;

    public Uri RestUri => _hub!.RestUri;

    public Uri GrpcUri => _hub!.GrpcUri;

    /// <summary>The hub's services, for tests that need to look inside (e.g. flush a batch now).</summary>
    public IServiceProvider Services => _hub!.App.Services;

    /// <summary>The hub's own database, for tests that look at what it stored.</summary>
    public string DatabaseConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Upstream = await FakeOpenAIUpstream.StartAsync();
        var database = await TestDatabase.CreateAsync("functional");
        DatabaseConnectionString = database;
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = database,
            ["Hub:RestUrl"] = "http://127.0.0.1:0",
            ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
            ["Providers:Demo:Enabled"] = "true",
            ["Providers:Demo:WordDelayMs"] = "0",
            ["Providers:OpenAI:BaseUrl"] = Upstream.BaseUrl,
            ["Providers:OpenAI:ApiKey"] = UpstreamApiKey,
            ["Providers:OpenAI:TimeoutSeconds"] = "5",
            ["Usage:FlushIntervalMs"] = "20",
            ["Hangfire:WorkerCount"] = "1",
            ["Providers:Registry:RefreshIntervalMs"] = "200",
            // The credential re-check would probe the shared fake upstream on its own schedule; tests that need it run it.
            ["Providers:CredentialRecheck:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
            ["Access:KeyCacheRefreshMs"] = "200",
            ["Access:LastUsedFlushSeconds"] = "1",
            // Many test classes share this hub and each makes users of its own: a report test's member must not fall
            // out of the top users because another class's users made more calls first.
            ["Reports:TopUsers"] = "1000",
            // The tests act as a proxy on loopback: X-Forwarded-For from 127.0.0.1 is believed, and one documentation range is banned.
            ["Access:IpRules:TrustedProxies:0"] = "127.0.0.1",
            ["Access:IpRules:Deny:0"] = "203.0.113.0/24",
            // Browser apps of this origin may call the hub (CorsTests); others get no CORS header.
            ["Cors:AllowedOrigins:0"] = CorsOrigin,
            ["Secrets:ActiveKeyId"] = "test-2026",
            ["Secrets:Keys:test-2026"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
        foreach (var (key, value) in MoreSettings(Upstream))
        {
            settings[key] = value;
        }

        _hub = await HubApplication.CreateAsync([], config => config.AddInMemoryCollection(settings));
        await _hub.StartAsync();
        // Every test authenticates as the seeded owner unless it builds a client of its own.
        Rest = TestAccess.RestClient(_hub.RestUri);
        Grpc = TestAccess.GrpcChannel(_hub.GrpcUri);
    }

    /// <summary>Settings a collection's own hub adds to (or changes in) the common ones.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings(FakeOpenAIUpstream upstream) => [];

    public async Task DisposeAsync()
    {
        Grpc?.Dispose();
        Rest?.Dispose();
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }
    }

    /// <summary>
    /// Another hub on this fixture's database, as a second replica behind a load balancer: no Hangfire server, no
    /// statistics daemon (one per database: this fixture's hub runs it), a key ring of its own. The caller disposes it.
    /// </summary>
    /// <param name="keyCacheRefreshMs">Its key cache's poll; null keeps the default.</param>
    public async Task<HubApplication> StartSecondInstanceAsync(int? keyCacheRefreshMs = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = DatabaseConnectionString,
            ["Hub:RestUrl"] = "http://127.0.0.1:0",
            ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
            ["Providers:Demo:Enabled"] = "true",
            ["Providers:Demo:WordDelayMs"] = "0",
            ["Hangfire:ServerEnabled"] = "false",
            ["Analytics:Daemon"] = "Disabled",
            ["Providers:CredentialRecheck:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Secrets:ActiveKeyId"] = "other-instance",
            ["Secrets:Keys:other-instance"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
        if (keyCacheRefreshMs is { } refresh)
        {
            settings["Access:KeyCacheRefreshMs"] = refresh.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var second = await HubApplication.CreateAsync([], config => config.AddInMemoryCollection(settings));
        await second.StartAsync();
        return second;
    }

    public Task<HttpResponseMessage> PostChatAsync(object body, CancellationToken cancellationToken = default) =>
        Rest.PostAsJsonAsync("/v1/chat/completions", body, cancellationToken);

    /// <summary>Waits until the batched call record of a request is readable through the usage API.</summary>
    public async Task<JsonElement> WaitForCallRecordAsync(string requestId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var document = JsonDocument.Parse(await Rest.GetStringAsync("/api/usage/calls?limit=500"));
            foreach (var call in document.RootElement.GetProperty("calls").EnumerateArray())
            {
                if (call.GetProperty("request_id").GetString() == requestId)
                {
                    return call.Clone();
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No call record for request {requestId} within 10 s.");
            }

            await Task.Delay(50);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HubCollection : ICollectionFixture<HubFixture>
{
    public const string Name = "hub";
}
