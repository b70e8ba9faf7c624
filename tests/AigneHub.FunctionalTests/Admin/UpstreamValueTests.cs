using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Hosting;
using AigneHub.Application.Abstractions;
using AigneHub.Domain.Providers;
using AigneHub.Domain.Providers.Events;
using AigneHub.Domain.Secrets;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.FunctionalTests.Admin;

/// <summary>
/// What the hub puts into an upstream request line or header — credentials, base URLs, regions — never carries a
/// control character: the admin API refuses such values with a 400 naming the field, and a value that got into the
/// store before that rule (here written straight into the event stream) is never sent: its credential is left out of
/// the rotation and the call goes to the next one. On a hub of its own, so its provider streams can be written raw.
/// </summary>
public sealed class UpstreamValueTests(UpstreamValueFixture fixture) : IClassFixture<UpstreamValueFixture>
{
    private const string Injected = "X-Injected";
    private const string GoodKey = "sk-good-upstream-key-0123456789";
    private const string BadKey = "sk-stored-before-the-rule\r\nX-Injected: yes\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: upstream";
    private readonly LogCapture _logs = fixture.Logs;
    private readonly FakeOpenAIUpstream _upstream = fixture.Upstream;
    private readonly HubApplication _hub = fixture.Hub;
    private readonly HttpClient _owner = fixture.Owner;

    [Theory]
    [InlineData("api_key", "sk-abc\r\nX-Injected: yes")]
    [InlineData("api_key", "sk-abc\nX-Injected: yes")]
    [InlineData("api_key", "sk-abc\0def")]
    [InlineData("api_key", "sk-abc\u0085def")]
    public async Task A_credential_with_a_control_character_is_refused_naming_the_field(string field, string value)
    {
        var version = await RegisterAsync("openrouter", _upstream.BaseUrl);

        using var response = await _owner.PostAsJsonAsync("/api/admin/providers/openrouter/credentials", new Dictionary<string, object> { ["expected_version"] = version, ["name"] = "bad", [field] = value });
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains(field, text, StringComparison.Ordinal);
        Assert.Contains("control character", text, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Injected", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("access_key_id", "FAKEKEYIDFORTESTS000\n")]
    [InlineData("secret_access_key", "fake/secret-access-key\r\nX-Injected: yes")]
    public async Task An_access_key_pair_with_a_control_character_is_refused_naming_the_field(string field, string value)
    {
        var version = await RegisterAsync("bedrock", _upstream.BaseUrl, "us-east-1");
        var body = new Dictionary<string, object>
        {
            ["expected_version"] = version,
            ["name"] = "bad",
            ["access_key_id"] = "FAKEKEYIDFORTESTS000",
            ["secret_access_key"] = "fake/secret-access-key/for-tests",
        };
        body[field] = value;

        using var response = await _owner.PostAsJsonAsync("/api/admin/providers/bedrock/credentials", body);
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Contains(field, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("base_url", "http://127.0.0.1:9/v1\r\nX-Injected: yes")]
    [InlineData("base_url", "http://127.0.0.1:9/v1\u0007")]
    [InlineData("region", "us-east-1\n")]
    public async Task An_endpoint_with_a_control_character_is_refused_naming_the_field(string field, string value)
    {
        var body = new Dictionary<string, object> { ["provider"] = "bedrock", ["region"] = "us-east-1", [field] = value };

        using var registered = await _owner.PostAsJsonAsync("/api/admin/providers", body);
        var registerText = await registered.Content.ReadAsStringAsync();

        Assert.True(registered.StatusCode == HttpStatusCode.BadRequest, registerText);
        Assert.Contains(field, registerText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_credential_with_a_control_character_is_never_sent_and_the_call_fails_over()
    {
        var version = await RegisterAsync("xai", _upstream.BaseUrl);
        using (var added = await _owner.PostAsJsonAsync("/api/admin/providers/xai/credentials", new { expected_version = version, name = "good", api_key = GoodKey, weight = 1 }))
        {
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }

        // Stored before the rule existed: heavier than the good one, so the rotation would pick it first.
        var mark = _logs.Mark();
        var bad = await AppendCredentialAsync("xai", BadKey, weight: 1000);
        _upstream.Reset();

        for (var i = 0; i < 5; i++)
        {
            await ChatUntilAnsweredAsync("xai/grok-4");
        }

        var requests = _upstream.Requests;
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.Equal("Bearer " + GoodKey, r.Authorization));
        Assert.DoesNotContain(requests, r => r.Header(Injected) is not null || r.Path.Contains("smuggled", StringComparison.Ordinal));

        // The operator learns why (once per snapshot the credential is left out of), without the secret. The snapshot
        // that leaves it out may be the periodic refresh's, a moment after the calls: wait for its warning, bounded.
        var warnings = mark.Entries.Where(e => e.Level == LogLevel.Warning && e.Text.Contains(bad.ToString(), StringComparison.Ordinal)).ToList();
        for (var i = 0; i < 100 && warnings.Count == 0; i++)
        {
            await Task.Delay(100);
            warnings = mark.Entries.Where(e => e.Level == LogLevel.Warning && e.Text.Contains(bad.ToString(), StringComparison.Ordinal)).ToList();
        }

        Assert.NotEmpty(warnings);
        Assert.All(warnings, w => Assert.Contains("api_key", w.Text, StringComparison.Ordinal));
        Assert.DoesNotContain("stored-before-the-rule", _logs.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Testing_a_stored_credential_with_a_control_character_fails_without_calling_the_upstream()
    {
        await RegisterAsync("poe", _upstream.BaseUrl);
        var bad = await AppendCredentialAsync("poe", BadKey, weight: 1);
        _upstream.Reset();

        using var tested = await _owner.PostAsJsonAsync($"/api/admin/providers/poe/credentials/{bad}:test", new { });
        var text = await tested.Content.ReadAsStringAsync();

        Assert.True(tested.IsSuccessStatusCode, text);
        using var document = JsonDocument.Parse(text);
        var credential = document.RootElement.GetProperty("provider").GetProperty("credentials").EnumerateArray().Single(c => c.GetProperty("id").GetString() == bad.ToString());
        Assert.False(credential.GetProperty("last_test_ok").GetBoolean());
        Assert.Contains("api_key", credential.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task A_stored_base_url_with_a_control_character_leaves_its_provider_unrouted_and_the_others_serving()
    {
        await RegisterAsync("deepseek", _upstream.BaseUrl);
        await AppendCredentialAsync("deepseek", GoodKey, weight: 1);
        await AppendAsync("deepseek", new ProviderEndpointChanged(_upstream.BaseUrl + "\r\nX-Injected: yes", null, "test", DateTimeOffset.UtcNow));
        var version = await RegisterAsync("openai", _upstream.BaseUrl);
        using (var added = await _owner.PostAsJsonAsync("/api/admin/providers/openai/credentials", new { expected_version = version, name = "good", api_key = GoodKey }))
        {
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }

        _upstream.Reset();

        // The snapshot taken after the bad base URL still routes the other provider.
        await ChatUntilAnsweredAsync("openai/gpt-4o-mini");
        using var deepseek = await _owner.PostAsJsonAsync("/v1/chat/completions", new { model = "deepseek/deepseek-chat", messages = new object[] { new { role = "user", content = "hi" } } });

        Assert.False(deepseek.IsSuccessStatusCode);
        Assert.All(_upstream.Requests, r => Assert.Equal("/v1/chat/completions", r.Path));
        Assert.Single(_upstream.Requests);
        Assert.DoesNotContain(_upstream.Requests, r => r.Header(Injected) is not null);
    }

    private async Task<int> RegisterAsync(string provider, string baseUrl, string? region = null)
    {
        using var existing = await _owner.GetAsync($"/api/admin/providers/{provider}");
        if (existing.IsSuccessStatusCode)
        {
            using var document = JsonDocument.Parse(await existing.Content.ReadAsStringAsync());
            return document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
        }

        using var registered = await _owner.PostAsJsonAsync("/api/admin/providers", new { provider, base_url = baseUrl, region });
        var text = await registered.Content.ReadAsStringAsync();
        Assert.True(registered.IsSuccessStatusCode, text);
        using var created = JsonDocument.Parse(text);
        return created.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
    }

    /// <summary>Writes a credential as an old hub would have stored it, past today's validation.</summary>
    private async Task<Guid> AppendCredentialAsync(string provider, string apiKey, int weight)
    {
        var id = Guid.CreateVersion7();
        var protector = _hub.App.Services.GetRequiredService<ISecretProtector>();
        var secret = protector.Protect(apiKey, SecretPurposes.ProviderCredential(id));
        await AppendAsync(provider, new CredentialAdded(id, "stored-" + id.ToString("N")[..8], CredentialKind.ApiKey, weight, secret, SecretMask.Mask(apiKey), null, "test", DateTimeOffset.UtcNow));
        return id;
    }

    private async Task AppendAsync(string provider, object change)
    {
        var store = _hub.App.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.LightweightSession();
        session.Events.Append(provider, change);
        await session.SaveChangesAsync();
    }

    private async Task ChatUntilAnsweredAsync(string model)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var response = await _owner.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new object[] { new { role = "user", content = "hi" } } });
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{model} never answered: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }
}

/// <summary>A hub of its own with no provider but the ones its tests register, on a fake OpenAI upstream, its log captured.</summary>
public sealed class UpstreamValueFixture : IAsyncLifetime
{
    public LogCapture Logs { get; } = new();

    public FakeOpenAIUpstream Upstream { get; private set; } = null!;

    public HubApplication Hub { get; private set; } = null!;

    public HttpClient Owner { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Upstream = await FakeOpenAIUpstream.StartAsync();
        var database = await TestDatabase.CreateAsync("upstreamvalues");
        Hub = await HubApplication.CreateAsync(
            [],
            config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = database,
                ["Hub:RestUrl"] = "http://127.0.0.1:0",
                ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
                [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
                ["Providers:Demo:Enabled"] = "false",
                ["Providers:Registry:RefreshIntervalMs"] = "100",
                ["Providers:CredentialRecheck:Enabled"] = "false",
                ["Usage:FlushIntervalMs"] = "20",
                ["Hangfire:WorkerCount"] = "1",
                ["Secrets:ActiveKeyId"] = "test-2026",
                ["Secrets:Keys:test-2026"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            }),
            services: services => services.AddSingleton<ILoggerProvider>(Logs));
        await Hub.StartAsync();
        Owner = TestAccess.RestClient(Hub.RestUri);
    }

    public async Task DisposeAsync()
    {
        Owner?.Dispose();
        if (Hub is not null)
        {
            await Hub.DisposeAsync();
        }

        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }
    }
}
