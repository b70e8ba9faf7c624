using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Admin;

/// <summary>
/// Providers registered through the admin API receive calls in their own wire protocol, with the credential chosen by
/// the hub; a refused credential is failed over and disabled (and the admin API shows why).
/// </summary>
[Collection(HubCollection.Name)]
public sealed class RegisteredProviderRoutingTests(HubFixture hub)
{
    private static readonly object[] Hello = [new { role = "system", content = "Be brief." }, new { role = "user", content = "Say hello" }];

    [Fact]
    public async Task Anthropic_and_google_calls_reach_their_upstreams_in_their_own_protocols_streaming_and_not()
    {
        await using var anthropic = await FakeAnthropicUpstream.StartAsync();
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        await RegisterWithKeysAsync("anthropic", anthropic.BaseUrl, ("main", "sk-ant-functional-0123456789", 1));
        await RegisterWithKeysAsync("google", gemini.BaseUrl, ("main", "AIza-functional-0123456789", 1));

        anthropic.Reply("Hello from Claude", new FakeAnthropicUsage(12, 4));
        var claude = await ChatAsync("anthropic/claude-sonnet-4-5");
        Assert.Equal("Hello from Claude", claude.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("anthropic/claude-sonnet-4-5", claude.GetProperty("model").GetString());
        Assert.Equal(16, claude.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        var sentToAnthropic = anthropic.LastRequest;
        Assert.Equal("/v1/messages", sentToAnthropic.Path);
        Assert.Equal("sk-ant-functional-0123456789", sentToAnthropic.Header("x-api-key"));
        Assert.NotNull(sentToAnthropic.Header("anthropic-version"));
        using (var body = sentToAnthropic.Json())
        {
            Assert.Equal("Be brief.", body.RootElement.GetProperty("system").ToString());
        }

        gemini.Reply("Hello from Gemini");
        var geminiAnswer = await ChatAsync("google/gemini-2.5-flash");
        Assert.Equal("Hello from Gemini", geminiAnswer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("/v1beta/models/gemini-2.5-flash:generateContent", gemini.LastRequest.Path);
        Assert.Equal("AIza-functional-0123456789", gemini.LastRequest.Header("x-goog-api-key"));

        anthropic.ReplyStream("Hel", "lo");
        Assert.Equal("Hello", await StreamTextAsync("anthropic/claude-sonnet-4-5"));
        gemini.ReplyStream("Gem", "ini");
        Assert.Equal("Gemini", await StreamTextAsync("google/gemini-2.5-flash"));
        Assert.Contains(":streamGenerateContent", gemini.LastRequest.Path + gemini.LastRequest.Header(":path"));
    }

    [Fact]
    public async Task A_refused_credential_is_failed_over_and_disabled_with_the_upstream_status()
    {
        // Ollama speaks the OpenAI protocol; the fake accepts only the second key, so the first one gets 401.
        hub.Upstream.Reset();
        hub.Upstream.RequiredApiKey = "ollama-good-key-0123456789";
        try
        {
            await RegisterWithKeysAsync("ollama", hub.Upstream.BaseUrl, ("refused", "ollama-bad-key-0123456789", 1000), ("good", "ollama-good-key-0123456789", 1));

            var answer = await ChatAsync("ollama/llama3.2");
            Assert.Equal("ollama/llama3.2", answer.GetProperty("model").GetString());
            // Only chat requests count: adding a credential also probes it (a models list) on its own schedule.
            Assert.Equal("Bearer ollama-good-key-0123456789", hub.Upstream.Requests.Last(IsChat).Authorization);

            var refused = await WaitForAsync(async () =>
            {
                using var doc = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/admin/providers/ollama"));
                var credential = doc.RootElement.GetProperty("provider").GetProperty("credentials").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "refused");
                return credential.GetProperty("enabled").GetBoolean() ? (JsonElement?)null : credential.Clone();
            });
            Assert.Equal(401, refused.GetProperty("disabled_by_status").GetInt32());

            // Later calls go straight to the good credential: the refused one is out of the rotation.
            var before = hub.Upstream.Requests.Count(IsChat);
            await ChatAsync("ollama/llama3.2");
            Assert.Equal(before + 1, hub.Upstream.Requests.Count(IsChat));
        }
        finally
        {
            hub.Upstream.RequiredApiKey = null;
        }
    }

    private static bool IsChat(RecordedRequest request) => request.Path.EndsWith("/chat/completions", StringComparison.Ordinal);

    private async Task RegisterWithKeysAsync(string provider, string baseUrl, params (string Name, string Key, int Weight)[] keys)
    {
        // Another test of the collection (Chat/ToolCalling*Tests) may have registered the provider already: then it is
        // re-pointed at this test's upstream, and keys it lacks are added.
        using var existing = await hub.Rest.GetAsync($"/api/admin/providers/{provider}");
        var registered = existing.StatusCode != HttpStatusCode.NotFound;
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int version;
        if (registered)
        {
            using var document = JsonDocument.Parse(await existing.Content.ReadAsStringAsync());
            var current = document.RootElement.GetProperty("provider");
            known.UnionWith(current.GetProperty("credentials").EnumerateArray().Select(c => c.GetProperty("name").GetString()!));
            version = await SendAsync(HttpMethod.Patch, $"/api/admin/providers/{provider}", new { expected_version = current.GetProperty("version").GetInt32(), base_url = baseUrl });
        }
        else
        {
            version = await SendAsync(HttpMethod.Post, "/api/admin/providers", new { provider, base_url = baseUrl });
        }

        foreach (var (name, key, weight) in keys.Where(k => !known.Contains(k.Name)))
        {
            version = await SendAsync(HttpMethod.Post, $"/api/admin/providers/{provider}/credentials", new { expected_version = version, name, api_key = key, weight });
        }

        // The call path picks the change up on its next refresh (a re-pointed provider: once calls stop failing at
        // the old, closed upstream).
        await WaitForAsync(async () =>
        {
            using var probe = await hub.PostChatAsync(new { model = provider + "/probe", messages = Hello, max_tokens = 1 });
            var ready = registered ? probe.IsSuccessStatusCode : probe.StatusCode != HttpStatusCode.NotFound;
            return ready ? (JsonElement?)default(JsonElement) : null;
        });

        // The provider can show up from a refresh that ran between two of the writes above; a few more refresh
        // intervals (200 ms in tests) make sure the call path holds every credential before the test calls.
        await Task.Delay(1000);
    }

    private async Task<int> SendAsync(HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await hub.Rest.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
    }

    private async Task<JsonElement> ChatAsync(string model)
    {
        using var response = await hub.PostChatAsync(new { model, messages = Hello });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{model}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private async Task<string> StreamTextAsync(string model)
    {
        using var response = await hub.PostChatAsync(new { model, messages = Hello, stream = true });
        var raw = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, raw);
        Assert.EndsWith("data: [DONE]\n\n", raw, StringComparison.Ordinal);
        return string.Concat(raw.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => e != "data: [DONE]")
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty("content", out var content) ? content.GetString() : null));
    }

    private static async Task<JsonElement> WaitForAsync(Func<Task<JsonElement?>> probe)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15 s");
            await Task.Delay(100);
        }
    }
}
