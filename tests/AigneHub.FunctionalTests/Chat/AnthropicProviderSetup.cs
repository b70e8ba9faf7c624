using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Chat;

/// <summary>Points the shared hub's anthropic provider at a test's own fake Anthropic upstream.</summary>
internal static class AnthropicProviderSetup
{
    /// <summary>
    /// Registers the anthropic provider with one key at <paramref name="upstream"/>, or — when another test of the
    /// shared hub registered it already — moves it there, then waits until calls arrive there.
    /// </summary>
    public static async Task PointAtAsync(HubFixture hub, FakeAnthropicUpstream upstream, string model)
    {
        using (var existing = await hub.Rest.GetAsync("/api/admin/providers/anthropic"))
        {
            if (existing.StatusCode == HttpStatusCode.NotFound)
            {
                var version = await SendAsync(hub, HttpMethod.Post, "/api/admin/providers", new { provider = "anthropic", base_url = upstream.BaseUrl });
                await SendAsync(hub, HttpMethod.Post, "/api/admin/providers/anthropic/credentials", new { expected_version = version, name = "main", api_key = "sk-ant-tools-0123456789", weight = 1 });
            }
            else
            {
                using var document = JsonDocument.Parse(await existing.Content.ReadAsStringAsync());
                var provider = document.RootElement.GetProperty("provider");
                var version = await SendAsync(
                    hub,
                    HttpMethod.Patch,
                    "/api/admin/providers/anthropic",
                    new { expected_version = provider.GetProperty("version").GetInt32(), base_url = upstream.BaseUrl });
                if (!provider.GetProperty("credentials").EnumerateArray().Any(c => c.GetProperty("enabled").GetBoolean()))
                {
                    await SendAsync(hub, HttpMethod.Post, "/api/admin/providers/anthropic/credentials", new { expected_version = version, name = "tools", api_key = "sk-ant-tools-0123456789", weight = 1 });
                }
            }
        }

        // The call path picks the change up on its next refresh.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var probe = await hub.PostChatAsync(new { model, messages = new[] { new { role = "user", content = "probe" } }, max_tokens = 1 });
            if (probe.IsSuccessStatusCode && upstream.RequestCount > 0)
            {
                upstream.Reset();
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the hub did not route anthropic calls to the test's upstream within 15 s");
            await Task.Delay(100);
        }
    }

    private static async Task<int> SendAsync(HubFixture hub, HttpMethod method, string path, object body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await hub.Rest.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
    }
}
