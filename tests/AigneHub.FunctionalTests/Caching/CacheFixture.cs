using AigneHub.Api.Hosting;
using AigneHub.Application.Abstractions;
using AigneHub.Domain.Access;
using AigneHub.FunctionalTests.Billing;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.FunctionalTests.Caching;

/// <summary>
/// Two hub instances on one database (credits mode, the OpenAI provider on one fake upstream), sharing cached answers
/// by app (Cache:Scope app) and charging a hit half its original's cost. The caller is whoever the x-test-user header
/// names, with the key's app from x-test-app (a test-only caller context standing in for access keys).
/// </summary>
public sealed class CacheFixture : IAsyncLifetime
{
    public const string AppHeader = "x-test-app";

    private HubApplication? _first;
    private HubApplication? _second;

    public FakeOpenAIUpstream Upstream { get; private set; } = null!;

    /// <summary>The first instance, as the owner (admin routes) or as the caller a request names.</summary>
    public HttpClient First { get; private set; } = null!;

    public HttpClient Second { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstream = await FakeOpenAIUpstream.StartAsync();
        var database = await TestDatabase.CreateAsync("cache");
        var settings = BillingFixture.Configuration(database, Upstream.BaseUrl);
        settings["Cache:Scope"] = "app";
        settings["Cache:HitChargeFraction"] = "0.5";
        _first = await StartAsync(settings);
        // One instance runs Hangfire and the statistics daemon; the other only answers calls.
        settings["Hangfire:ServerEnabled"] = "false";
        settings["Analytics:Daemon"] = "Disabled";
        _second = await StartAsync(settings);
        First = TestAccess.RestClient(_first.RestUri);
        Second = TestAccess.RestClient(_second.RestUri);
        await BillingFixture.UseCreditsAsync(First);
    }

    public async Task DisposeAsync()
    {
        First?.Dispose();
        Second?.Dispose();
        foreach (var hub in new[] { _second, _first })
        {
            if (hub is not null)
            {
                await hub.DisposeAsync();
            }
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }
    }

    /// <summary>Registers <paramref name="user"/> and grants it credits.</summary>
    public async Task GrantAsync(string user, string amount)
    {
        using var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(First, "/api/admin/users", new { user_id = user, display_name = user, role = "member" });
        using var granted = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(First, $"/api/admin/credits/{user}:grant", new { amount });
        granted.EnsureSuccessStatusCode();
    }

    private static async Task<HubApplication> StartAsync(Dictionary<string, string?> settings)
    {
        var hub = await HubApplication.CreateAsync(
            [],
            config => config.AddInMemoryCollection(settings),
            services: services => services.AddSingleton<ICallerContext, AppCallerContext>());
        await hub.StartAsync();
        return hub;
    }
}

/// <summary>The member named by x-test-user, whose key is bound to the app x-test-app names (if any); else the owner key's caller.</summary>
internal sealed class AppCallerContext(IHttpContextAccessor accessor) : ICallerContext
{
    public Caller? Current
    {
        get
        {
            var request = accessor.HttpContext?.Request;
            if (request?.Headers[BillingFixture.UserHeader].ToString() is { Length: > 0 } user)
            {
                var app = request.Headers[CacheFixture.AppHeader].ToString();
                return new Caller(user, UserRole.Member, $"key-{user}", null, new HashSet<string> { KeyScopes.Inference }, KeyAppId: app.Length > 0 ? app : null);
            }

            return accessor.HttpContext?.Items.TryGetValue(typeof(Caller), out var keyCaller) == true ? keyCaller as Caller : null;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class CacheCollection : ICollectionFixture<CacheFixture>
{
    public const string Name = "cache";
}
