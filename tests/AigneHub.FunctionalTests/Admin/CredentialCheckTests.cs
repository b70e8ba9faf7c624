using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Domain.Providers;
using AigneHub.Domain.Providers.Events;
using AigneHub.Infrastructure.Jobs;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.FunctionalTests.Admin;

/// <summary>
/// Credentials are checked against their upstream with a cheap list-models call: when added, on an operator's
/// request, and (for those the hub disabled because the upstream refused them) by the re-check, which enables them
/// again once they work.
/// </summary>
[Collection(CredentialCheckCollection.Name)]
public sealed class CredentialCheckTests(CredentialCheckFixture hub)
{
    [Fact]
    public async Task Adding_a_credential_checks_it_and_shows_the_result()
    {
        hub.OpenAI.Reset();
        hub.OpenAI.RequiredApiKey = "sk-deepseek-good-0123456789";
        var version = await RegisterAsync("deepseek", hub.OpenAI.BaseUrl);

        var good = Credential(await SendAsync(HttpMethod.Post, "/api/admin/providers/deepseek/credentials", new { expected_version = version, name = "good", api_key = "sk-deepseek-good-0123456789" }), "good");
        Assert.Equal("GET", hub.OpenAI.LastRequest.Method);
        Assert.Equal("/v1/models", hub.OpenAI.LastRequest.Path);
        Assert.Equal("Bearer sk-deepseek-good-0123456789", hub.OpenAI.LastRequest.Authorization);
        Assert.True(good.GetProperty("last_test_ok").GetBoolean());
        Assert.True(good.TryGetProperty("last_tested_at", out _));
        Assert.False(good.TryGetProperty("last_error", out _));

        var provider = await GetAsync("deepseek");
        var wrong = Credential(await SendAsync(HttpMethod.Post, "/api/admin/providers/deepseek/credentials", new { expected_version = provider.GetProperty("version").GetInt32(), name = "wrong", api_key = "sk-deepseek-wrong-0123456789" }), "wrong");
        Assert.True(wrong.GetProperty("enabled").GetBoolean());
        Assert.False(wrong.GetProperty("last_test_ok").GetBoolean());
        var error = wrong.GetProperty("last_error").GetString();
        Assert.Contains("HTTP 401", error, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-0123456789", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_test_route_checks_anthropic_and_google_credentials_in_their_own_protocols()
    {
        hub.Anthropic.Reset();
        hub.Gemini.Reset();
        var anthropicId = await RegisterWithKeyAsync("anthropic", hub.Anthropic.BaseUrl, "sk-ant-check-0123456789");
        var googleId = await RegisterWithKeyAsync("google", hub.Gemini.BaseUrl, "AIza-check-0123456789");

        Assert.True(Credential(await TestAsync("anthropic", anthropicId), "main").GetProperty("last_test_ok").GetBoolean());
        var sentToAnthropic = hub.Anthropic.LastRequest;
        Assert.Equal(("GET", "/v1/models", "sk-ant-check-0123456789"), (sentToAnthropic.Method, sentToAnthropic.Path, sentToAnthropic.Header("x-api-key")));
        Assert.NotNull(sentToAnthropic.Header("anthropic-version"));

        Assert.True(Credential(await TestAsync("google", googleId), "main").GetProperty("last_test_ok").GetBoolean());
        Assert.Equal(("GET", "/v1beta/models", "AIza-check-0123456789"), (hub.Gemini.LastRequest.Method, hub.Gemini.LastRequest.Path, hub.Gemini.LastRequest.Header("x-goog-api-key")));

        // The keys are revoked upstream: Anthropic answers 401, Google 400 API_KEY_INVALID; both are refusals.
        hub.Anthropic.RequiredApiKey = "sk-ant-another-0123456789";
        hub.Gemini.RequiredApiKey = "AIza-another-0123456789";
        var refusedByAnthropic = Credential(await TestAsync("anthropic", anthropicId), "main");
        Assert.False(refusedByAnthropic.GetProperty("last_test_ok").GetBoolean());
        Assert.Contains("refused the credential (HTTP 401)", refusedByAnthropic.GetProperty("last_error").GetString(), StringComparison.Ordinal);
        var refusedByGoogle = Credential(await TestAsync("google", googleId), "main");
        Assert.False(refusedByGoogle.GetProperty("last_test_ok").GetBoolean());
        Assert.Contains("refused the credential (HTTP 400)", refusedByGoogle.GetProperty("last_error").GetString(), StringComparison.Ordinal);

        // A test only observes: the credential stays enabled, and the version moved by the recorded check alone.
        Assert.True(refusedByAnthropic.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Testing_an_unknown_credential_is_not_found()
    {
        await RegisterAsync("xai", hub.OpenAI.BaseUrl);

        using var response = await hub.Rest.PostAsJsonAsync($"/api/admin/providers/xai/credentials/{Guid.NewGuid()}:test", new { });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_refused_credential_is_rechecked_with_backoff_and_revived_by_the_system_once_it_works()
    {
        // Ollama speaks the OpenAI protocol; the fake accepts only the second key, so chat calls on the first get 401.
        hub.OpenAI.Reset();
        hub.OpenAI.RequiredApiKey = "ollama-good-key-0123456789";
        var version = await RegisterAsync("ollama", hub.OpenAI.BaseUrl);
        version = VersionOf(await SendAsync(HttpMethod.Post, "/api/admin/providers/ollama/credentials", new { expected_version = version, name = "refused", api_key = "ollama-rotated-key-0123456789", weight = 1000 }));
        await SendAsync(HttpMethod.Post, "/api/admin/providers/ollama/credentials", new { expected_version = version, name = "good", api_key = "ollama-good-key-0123456789", weight = 1 });

        await WaitForAsync(async () =>
        {
            using var chat = await hub.Rest.PostAsJsonAsync("/v1/chat/completions", new { model = "ollama/llama3.2", messages = new[] { new { role = "user", content = "hi" } } });
            return chat.IsSuccessStatusCode;
        });
        var disabled = await WaitForCredentialAsync("ollama", "refused", c => !c.GetProperty("enabled").GetBoolean());
        Assert.Equal(401, disabled.GetProperty("disabled_by_status").GetInt32());

        // Still refused: the re-check records the failure, and the credential stays disabled.
        var job = hub.Services.GetRequiredService<CredentialRecheckJob>();
        // (Its check when it was added failed too: wait for a newer one.)
        var checkedWhenAdded = disabled.GetProperty("last_tested_at").GetString();
        var stillRefused = await WaitForCredentialAsync(
            "ollama", "refused", c => c.GetProperty("last_tested_at").GetString() != checkedWhenAdded, job);
        Assert.False(stillRefused.GetProperty("last_test_ok").GetBoolean());
        Assert.False(stillRefused.GetProperty("enabled").GetBoolean());
        Assert.Contains("HTTP 401", stillRefused.GetProperty("last_error").GetString(), StringComparison.Ordinal);

        // The upstream accepts the key again (the operator fixed it there): the next re-check after the backoff revives it.
        hub.OpenAI.RequiredApiKey = null;
        var revived = await WaitForCredentialAsync("ollama", "refused", c => c.GetProperty("enabled").GetBoolean(), job);
        Assert.True(revived.GetProperty("last_test_ok").GetBoolean());
        Assert.False(revived.TryGetProperty("disabled_by_status", out _));

        var store = hub.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync("ollama");
        var credentialId = Guid.Parse(revived.GetProperty("id").GetString()!);
        var reEnabled = events.Select(e => e.Data).OfType<CredentialReEnabled>().Single(e => e.CredentialId == credentialId);
        Assert.Equal(CredentialRecheck.SystemActor, reEnabled.By);
        Assert.Contains(events.Select(e => e.Data).OfType<CredentialTested>(), e => e.CredentialId == credentialId && !e.Ok && e.By == CredentialRecheck.SystemActor);
    }

    private async Task<int> RegisterAsync(string provider, string baseUrl) =>
        VersionOf(await SendAsync(HttpMethod.Post, "/api/admin/providers", new { provider, base_url = baseUrl }));

    private async Task<string> RegisterWithKeyAsync(string provider, string baseUrl, string key)
    {
        var version = await RegisterAsync(provider, baseUrl);
        var added = await SendAsync(HttpMethod.Post, $"/api/admin/providers/{provider}/credentials", new { expected_version = version, name = "main", api_key = key });
        return Credential(added, "main").GetProperty("id").GetString()!;
    }

    private Task<JsonElement> TestAsync(string provider, string credentialId) =>
        SendAsync(HttpMethod.Post, $"/api/admin/providers/{provider}/credentials/{credentialId}:test", new { });

    private async Task<JsonElement> GetAsync(string provider)
    {
        using var document = JsonDocument.Parse(await hub.Rest.GetStringAsync($"/api/admin/providers/{provider}"));
        return document.RootElement.GetProperty("provider").Clone();
    }

    /// <summary>Sends an admin request that must succeed; returns the provider it answers with.</summary>
    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await hub.Rest.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("provider").Clone();
    }

    private static int VersionOf(JsonElement provider) => provider.GetProperty("version").GetInt32();

    private static JsonElement Credential(JsonElement provider, string name) =>
        provider.GetProperty("credentials").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>Reads the credential until it satisfies <paramref name="condition"/>, running the re-check in between when given.</summary>
    private async Task<JsonElement> WaitForCredentialAsync(string provider, string name, Func<JsonElement, bool> condition, CredentialRecheckJob? recheck = null)
    {
        JsonElement credential = default;
        await WaitForAsync(async () =>
        {
            if (recheck is not null)
            {
                await recheck.RunAsync(CancellationToken.None);
            }

            credential = Credential(await GetAsync(provider), name);
            return condition(credential);
        });
        return credential;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15 s");
            await Task.Delay(200);
        }
    }
}
