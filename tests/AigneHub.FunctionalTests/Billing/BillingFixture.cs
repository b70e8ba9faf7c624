using System.Net.Http.Json;
using AigneHub.Api.Hosting;
using AigneHub.Application.Abstractions;
using AigneHub.Domain.Access;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>
/// The whole hub in credits mode, on a database of its own, with the OpenAI provider on a fake upstream. Until access
/// keys exist, the caller is whoever the <see cref="UserHeader"/> header names (a test-only caller context).
/// </summary>
public sealed class BillingFixture : IAsyncLifetime
{
    public const string UserHeader = "x-test-user";

    /// <summary>The header value that stands for "nobody authenticated" (a path real authentication never lets through).</summary>
    public const string Nobody = "anonymous";
    public const string PaymentLink = "https://pay.example/credits";
    public const string WebhookSecret = "whsec-test-0123456789";

    private HubApplication? _hub;

    public FakeOpenAIUpstream Upstream { get; private set; } = null!;

    public HttpClient Rest { get; private set; } = null!;

    public GrpcChannel Grpc { get; private set; } = null!;

    public string DatabaseConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        Upstream = await FakeOpenAIUpstream.StartAsync();
        DatabaseConnectionString = await TestDatabase.CreateAsync("billing");
        _hub = await HubApplication.CreateAsync(
            [],
            config => config.AddInMemoryCollection(Configuration(DatabaseConnectionString, Upstream.BaseUrl)),
            services: services => services.AddSingleton<ICallerContext, HeaderCallerContext>());
        await _hub.StartAsync();
        Rest = TestAccess.RestClient(_hub.RestUri);
        Grpc = TestAccess.GrpcChannel(_hub.GrpcUri);
        await UseCreditsAsync(Rest);
    }

    /// <summary>
    /// The hub's configuration in these tests: credits jobs off, the OpenAI provider on the fake upstream, and balance
    /// leases off. These tests assert exact <c>held</c> amounts after a call, and a lease (ADR 0024) is held credits:
    /// once the tests before one made the instance busy, its account's first hold would also lease a quarter of the
    /// balance. <see cref="BalanceLeaseHostTests"/> runs a hub with leases on.
    /// </summary>
    public static Dictionary<string, string?> Configuration(string databaseConnectionString, string upstreamBaseUrl) => new()
    {
        ["ConnectionStrings:Postgres"] = databaseConnectionString,
        ["Hub:RestUrl"] = "http://127.0.0.1:0",
        [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
        ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
        ["Providers:Demo:Enabled"] = "false",
        ["Providers:OpenAI:BaseUrl"] = upstreamBaseUrl,
        ["Providers:OpenAI:ApiKey"] = "sk-test-upstream-0123456789abcdef",
        ["Providers:OpenAI:TimeoutSeconds"] = "5",
        ["Providers:CredentialRecheck:Enabled"] = "false",
        ["Usage:FlushIntervalMs"] = "20",
        ["Hangfire:WorkerCount"] = "1",
        ["Billing:Jobs:Enabled"] = "false",
        ["Billing:LeaseBalance"] = "false",
        ["Billing:Webhook:Secret"] = WebhookSecret,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Secrets:ActiveKeyId"] = "test-2026",
        ["Secrets:Keys:test-2026"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    /// <summary>
    /// A started hub of its own with this <paramref name="configuration"/> (from <see cref="Configuration"/>), whose
    /// callers are named by <see cref="UserHeader"/>, in credits mode (<see cref="UseCreditsAsync"/>), with a REST client.
    /// </summary>
    public static async Task<(HubApplication Hub, HttpClient Client)> StartCreditsHubAsync(
        Dictionary<string, string?> configuration, Action<IServiceCollection>? services = null)
    {
        var hub = await HubApplication.CreateAsync(
            [],
            config => config.AddInMemoryCollection(configuration),
            services: s =>
            {
                s.AddSingleton<ICallerContext, HeaderCallerContext>();
                services?.Invoke(s);
            });
        await hub.StartAsync();
        var rest = TestAccess.RestClient(hub.RestUri);
        await UseCreditsAsync(rest);
        return (hub, rest);
    }

    /// <summary>Credits mode (no welcome grant, holds of 100 output tokens by default) and a rate for openai/gpt-4o-mini.</summary>
    public static async Task UseCreditsAsync(HttpClient rest)
    {
        using var settings = await rest.PutAsJsonAsync("/api/admin/billing/settings", new
        {
            expected_version = 0,
            mode = "credits",
            base_credit_price = "1",
            profit_margin_percent = "2",
            currency_prefix = "$",
            new_user_grant = "0",
            payment_link = PaymentLink,
            default_hold_tokens = 100,
        });
        settings.EnsureSuccessStatusCode();
        using var rate = await rest.PutAsJsonAsync("/api/admin/rates", new
        {
            type = "chat",
            provider = "openai",
            model = "gpt-4o-mini",
            input_rate = "0.01",
            output_rate = "0.1",
            unit_costs = new { input_usd = "0.00000015", output_usd = "0.0000006" },
        });
        rate.EnsureSuccessStatusCode();
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

    /// <summary>A request made as <paramref name="user"/>.</summary>
    public static HttpRequestMessage As(string user, HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(UserHeader, user);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return request;
    }

    /// <summary>Grants credits to <paramref name="user"/>, registering the user first (credits go only to registered users).</summary>
    public async Task GrantAsync(string user, string amount)
    {
        await RegisterAsync(user);
        using var response = await Rest.PostAsJsonAsync($"/api/admin/credits/{user}:grant", new { amount });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Creates the user <paramref name="user"/> (a member) unless it exists.</summary>
    public async Task RegisterAsync(string user)
    {
        using var response = await Rest.PostAsJsonAsync("/api/admin/users", new { user_id = user, display_name = user, role = "member" });
        if (response.StatusCode != System.Net.HttpStatusCode.Conflict)
        {
            response.EnsureSuccessStatusCode();
        }
    }
}

/// <summary>
/// The caller named by the x-test-user header (a member): stands in for access-key authentication in these tests.
/// Without the header, the key's caller (the owner key the fixture's client sends) is the caller; "anonymous" means none.
/// </summary>
internal sealed class HeaderCallerContext(IHttpContextAccessor accessor) : ICallerContext
{
    public Caller? Current =>
        accessor.HttpContext?.Request.Headers[BillingFixture.UserHeader].ToString() is { Length: > 0 } user
            ? user == BillingFixture.Nobody ? null : new Caller(user, UserRole.Member, null, null, new HashSet<string> { "inference" })
            : accessor.HttpContext?.Items.TryGetValue(typeof(Caller), out var keyCaller) == true ? keyCaller as Caller : null;
}

[CollectionDefinition(Name)]
public sealed class BillingCollection : ICollectionFixture<BillingFixture>
{
    public const string Name = "billing";
}
