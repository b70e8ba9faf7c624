using System.Security.Cryptography;
using AigneHub.Api.Hosting;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;

namespace AigneHub.FunctionalTests.Admin;

/// <summary>
/// A database and a fake upstream of their own for the key-rotation tests, which start hubs one after another on the
/// same database, each with the key ring the step needs: the shared <see cref="HubFixture"/> has one fixed ring.
/// </summary>
public sealed class KeyRotationFixture : IAsyncLifetime
{
    /// <summary>The keys the tests put into the rings, by id: fixed for the fixture's life, as a real ring's are.</summary>
    public IReadOnlyDictionary<string, string> Keys { get; } = new Dictionary<string, string>
    {
        ["old"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["new"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>Speaks the OpenAI protocol: stands in for openrouter.</summary>
    public FakeOpenAIUpstream OpenAI { get; private set; } = null!;

    public string DatabaseConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        OpenAI = await FakeOpenAIUpstream.StartAsync();
        DatabaseConnectionString = await TestDatabase.CreateAsync("keyrotation");
    }

    /// <summary>Starts a hub on the fixture's database whose ring holds <paramref name="ring"/>, the first one active.</summary>
    public async Task<RunningHub> StartHubAsync(params string[] ring)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = DatabaseConnectionString,
            ["Hub:RestUrl"] = "http://127.0.0.1:0",
            ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
            ["Usage:FlushIntervalMs"] = "20",
            ["Hangfire:WorkerCount"] = "1",
            ["Providers:Registry:RefreshIntervalMs"] = "200",
            ["Providers:CredentialRecheck:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
            ["Secrets:ActiveKeyId"] = ring[0],
        };
        foreach (var id in ring)
        {
            settings[$"Secrets:Keys:{id}"] = Keys[id];
        }

        var hub = await HubApplication.CreateAsync([], config => config.AddInMemoryCollection(settings));
        await hub.StartAsync();
        return new RunningHub(hub);
    }

    public async Task DisposeAsync()
    {
        if (OpenAI is not null)
        {
            await OpenAI.DisposeAsync();
        }
    }
}

/// <summary>One started hub and a REST client for it; disposing stops it.</summary>
public sealed class RunningHub(HubApplication hub) : IAsyncDisposable
{
    public HttpClient Rest { get; } = TestAccess.RestClient(hub.RestUri);

    public GrpcChannel Grpc { get; } = TestAccess.GrpcChannel(hub.GrpcUri);

    public async ValueTask DisposeAsync()
    {
        Grpc.Dispose();
        Rest.Dispose();
        await hub.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class KeyRotationCollection : ICollectionFixture<KeyRotationFixture>
{
    public const string Name = "key-rotation";
}
