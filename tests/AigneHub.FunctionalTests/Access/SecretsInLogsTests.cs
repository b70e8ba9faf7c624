using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Hosting;
using AigneHub.TestUpstreams;
using AigneHub.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// Every log line of a hub run at the most verbose level — messages, exceptions and scope values — is captured while
/// keys are created and used, forged keys are refused, a provider credential is added and used, and calls are made;
/// none of the secrets involved may appear anywhere in it.
/// </summary>
[Collection(SecretLogCollection.Name)]
public sealed class SecretsInLogsTests : IAsyncLifetime
{
    private const string UpstreamKey = "sk-config-upstream-secret-0a1b2c3d4e5f6a7b";
    private const string CredentialKey = "sk-registered-credential-secret-9f8e7d6c5b4a";
    private const string ForgedKey = "ahk_00000000000000ff_forged-secret-material-0123456789-abcdefghijklmn";
    private readonly LogCapture _logs = new();
    private readonly string _ringKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private FakeOpenAIUpstream _upstream = null!;
    private HubApplication _hub = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAIUpstream.StartAsync();
        var database = await TestDatabase.CreateAsync("secretlogs");
        _hub = await HubApplication.CreateAsync(
            [],
            config => config.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = database,
                ["Hub:RestUrl"] = "http://127.0.0.1:0",
                ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
                [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
                ["Providers:Demo:Enabled"] = "true",
                ["Providers:Demo:WordDelayMs"] = "0",
                ["Providers:OpenAI:BaseUrl"] = _upstream.BaseUrl,
                ["Providers:OpenAI:ApiKey"] = UpstreamKey,
                ["Providers:Registry:RefreshIntervalMs"] = "200",
                ["Providers:CredentialRecheck:Enabled"] = "false",
                ["Usage:FlushIntervalMs"] = "20",
                ["Hangfire:WorkerCount"] = "1",
                ["Logging:LogLevel:Default"] = "Trace",
                // Every category the hub's appsettings quiets, opened up to Trace.
                ["Logging:LogLevel:Microsoft"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
                ["Logging:LogLevel:Marten"] = "Trace",
                ["Logging:LogLevel:Hangfire"] = "Trace",
                ["Logging:LogLevel:Grpc"] = "Trace",
                ["Logging:LogLevel:System"] = "Trace",
                ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Trace",
                ["Secrets:ActiveKeyId"] = "test-2026",
                ["Secrets:Keys:test-2026"] = _ringKey,
            }),
            services: services => services.AddSingleton<ILoggerProvider>(_logs));
        await _hub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task No_key_token_or_provider_secret_appears_in_any_log_line()
    {
        using var owner = TestAccess.RestClient(_hub.RestUri);

        // A member and a key (its secret is shown once, to the caller only), used for calls.
        var user = await JsonAsync(await owner.PostAsJsonAsync("/api/admin/users", new { display_name = "logged", role = "member", email = "logged@example.com" }));
        var key = await JsonAsync(await owner.PostAsJsonAsync("/api/admin/keys", new { user_id = user.GetProperty("user").GetProperty("id").GetString(), name = "logged key", scopes = new[] { "inference" } }));
        var memberSecret = key.GetProperty("secret").GetString()!;
        using var member = TestAccess.RestClient(_hub.RestUri, memberSecret);
        using (var chat = await member.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = new object[] { new { role = "user", content = "a private prompt 7f3a9" } } }))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        // The configured OpenAI provider's key goes upstream; the fake insists on it.
        _upstream.RequiredApiKey = UpstreamKey;
        using (var upstream = await owner.PostAsJsonAsync("/v1/chat/completions", new { model = "openai/gpt-4o-mini", messages = new object[] { new { role = "user", content = "hi" } } }))
        {
            Assert.Equal(HttpStatusCode.OK, upstream.StatusCode);
        }

        // A registered provider with a credential, used once successfully and once refused by the upstream.
        var registered = await JsonAsync(await owner.PostAsJsonAsync("/api/admin/providers", new { provider = "xai", base_url = _upstream.BaseUrl }));
        await JsonAsync(await owner.PostAsJsonAsync("/api/admin/providers/xai/credentials", new
        {
            expected_version = registered.GetProperty("provider").GetProperty("version").GetInt32(),
            name = "logged credential",
            api_key = CredentialKey,
        }));
        _upstream.RequiredApiKey = CredentialKey;
        await WaitForSuccessAsync(owner, "xai/grok-logs");
        _upstream.RequiredApiKey = "sk-some-other-key-the-credential-is-not";
        using (await owner.PostAsJsonAsync("/v1/chat/completions", new { model = "xai/grok-logs", messages = new object[] { new { role = "user", content = "hi" } } }))
        {
        }

        // Forged and revoked keys are refused.
        using var forged = TestAccess.RestClient(_hub.RestUri, ForgedKey);
        using (var refused = await forged.PostAsJsonAsync("/v1/chat/completions", new { model = "demo/echo", messages = new object[] { new { role = "user", content = "hi" } } }))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await Task.Delay(300); // the last batches (records, last-used) are written and logged
        var log = _logs.Text();
        // The capture saw the requests that carried the secrets (ASP.NET Core logs each one, HttpClient each upstream call).
        Assert.Contains("POST http://127.0.0.1", log, StringComparison.Ordinal);
        Assert.Contains("/api/admin/providers/xai/credentials", log, StringComparison.Ordinal);
        Assert.Contains("/v1/chat/completions", log, StringComparison.Ordinal);
        foreach (var (name, secret) in new[]
                 {
                     ("owner key", TestAccess.OwnerKey), ("member key", memberSecret), ("forged key", ForgedKey),
                     ("prompt", "a private prompt 7f3a9"), ("configured provider key", UpstreamKey), ("registered credential", CredentialKey), ("key ring key", _ringKey),
                 })
        {
            var secretPart = secret.Length > 24 ? secret[^20..] : secret; // the secret part, whatever prefix a mask keeps
            Assert.False(log.Contains(secretPart, StringComparison.Ordinal), $"the {name} appears in the logs");
        }
    }

    private static async Task WaitForSuccessAsync(HttpClient client, string model)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new object[] { new { role = "user", content = "hi" } } });
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{model} never answered: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SecretLogCollection
{
    public const string Name = "secret-logs";
}
