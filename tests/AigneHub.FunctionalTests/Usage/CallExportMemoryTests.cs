using System.Net;
using AigneHub.Api.Hosting;
using AigneHub.Domain.Usage;
using AigneHub.Tests.Shared;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.FunctionalTests.Usage;

/// <summary>
/// Exporting 100,000 call records through the real host streams: the process's live managed memory stays far below
/// the size of the CSV while it is read.
/// </summary>
[Collection(ExportCollection.Name)]
public sealed class CallExportMemoryTests : IAsyncLifetime
{
    private const int Records = 100_000;
    private HubApplication _hub = null!;

    public async Task InitializeAsync()
    {
        var database = await TestDatabase.CreateAsync("export");
        _hub = await HubApplication.CreateAsync(
            [],
            config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = database,
                ["Hub:RestUrl"] = "http://127.0.0.1:0",
                ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
                [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
                ["Providers:Demo:Enabled"] = "false",
                ["Providers:CredentialRecheck:Enabled"] = "false",
                ["Analytics:Daemon"] = "Disabled",
                ["Hangfire:WorkerCount"] = "1",
                ["Billing:Jobs:Enabled"] = "false",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Secrets:ActiveKeyId"] = "test-2026",
                ["Secrets:Keys:test-2026"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            }));
        await _hub.StartAsync();

        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var records = Enumerable.Range(0, Records).Select(i => new CallRecord
        {
            Id = Guid.CreateVersion7(start.AddSeconds(i)),
            RequestId = $"req-{i:D6}",
            Provider = "openai",
            Model = "gpt-4o-mini",
            CallType = CallType.Chat,
            Streamed = i % 2 == 0,
            PromptTokens = 100 + (i % 50),
            CompletionTokens = 20 + (i % 30),
            LatencyMs = 10 + (i % 500),
            TtfbMs = 5,
            Status = CallStatus.Succeeded,
            ErrorKind = ErrorKind.None,
            StartedAt = start.AddSeconds(i),
            UserId = $"usr_{i % 100:D3}",
            AppId = "did:abt:zExportApp",
            CreditsCharged = 0.000123m * (i % 7),
            CostUsd = 0.0000456m,
            RateId = "openai/gpt-4o-mini/chat",
            RateVersion = 1,
        });
        await _hub.App.Services.GetRequiredService<IDocumentStore>().BulkInsertAsync(records.ToList());
    }

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Exporting_100000_records_streams_in_bounded_memory()
    {
        using var client = TestAccess.RestClient(_hub.RestUri);
        client.Timeout = TimeSpan.FromMinutes(5);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        using var response = await client.GetAsync("/api/usage/calls:export", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        long bytes = 0, lines = 0, nextSample = 0, peak = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            if (bytes >= nextSample)
            {
                // Live objects only (a full collection first): what the export holds, not what it already dropped.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
                nextSample += 2 * 1024 * 1024;
            }
        }

        Assert.Equal(Records + 1, lines);
        Assert.True(bytes > 20_000_000, $"the CSV was only {bytes} bytes");
        Assert.True(peak < bytes / 4, $"live memory grew by {peak:N0} bytes while streaming {bytes:N0} bytes of CSV");
    }
}

[CollectionDefinition(Name)]
public sealed class ExportCollection
{
    public const string Name = "export";
}
