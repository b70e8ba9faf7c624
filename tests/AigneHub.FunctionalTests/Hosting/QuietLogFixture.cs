using System.Net.Http.Json;
using AigneHub.Api.Hosting;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.FunctionalTests.Hosting;

/// <summary>
/// A hub of its own with the log levels an operator gets by default (appsettings.json), every entry captured, in
/// credits mode (so calls hold credits) with the OpenAI provider on a fake upstream.
/// </summary>
public sealed class QuietLogFixture : IAsyncLifetime
{
    private HubApplication? _hub;

    public LogCapture Logs { get; } = new();

    public FakeOpenAIUpstream Upstream { get; private set; } = null!;

    public HttpClient Rest { get; private set; } = null!;

    public GrpcChannel Grpc { get; private set; } = null!;

    public Uri RestUri => _hub!.RestUri;

    public Uri GrpcUri => _hub!.GrpcUri;

    public string DatabaseConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Upstream = await FakeOpenAIUpstream.StartAsync();
        DatabaseConnectionString = await TestDatabase.CreateAsync("quietlogs");
        _hub = await HubApplication.CreateAsync(
            [],
            config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = DatabaseConnectionString,
                ["Hub:RestUrl"] = "http://127.0.0.1:0",
                ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
                [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
                ["Providers:Demo:Enabled"] = "false",
                ["Providers:OpenAI:BaseUrl"] = Upstream.BaseUrl,
                ["Providers:OpenAI:ApiKey"] = "sk-test-upstream-0123456789abcdef",
                ["Providers:CredentialRecheck:Enabled"] = "false",
                ["Usage:FlushIntervalMs"] = "20",
                ["Hangfire:WorkerCount"] = "1",
                ["Billing:Jobs:Enabled"] = "false",
                ["Secrets:ActiveKeyId"] = "test-2026",
                ["Secrets:Keys:test-2026"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            }),
            services: services => services.AddSingleton<ILoggerProvider>(Logs));
        await _hub.StartAsync();
        Rest = TestAccess.RestClient(_hub.RestUri);
        Grpc = TestAccess.GrpcChannel(_hub.GrpcUri);

        using var settings = await Rest.PutAsJsonAsync("/api/admin/billing/settings", new
        {
            expected_version = 0,
            mode = "credits",
            base_credit_price = "1",
            profit_margin_percent = "2",
            currency_prefix = "$",
            new_user_grant = "0",
            payment_link = "https://pay.example/credits",
            default_hold_tokens = 100,
        });
        settings.EnsureSuccessStatusCode();
        using var rate = await Rest.PutAsJsonAsync("/api/admin/rates", new
        {
            type = "chat",
            provider = "openai",
            model = "gpt-4o-mini",
            input_rate = "0.01",
            output_rate = "0.1",
            unit_costs = new { input_usd = "0.00000015", output_usd = "0.0000006" },
        });
        rate.EnsureSuccessStatusCode();
        using var grant = await Rest.PostAsJsonAsync("/api/admin/credits/owner:grant", new { amount = "1000" });
        grant.EnsureSuccessStatusCode();
    }

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
}
