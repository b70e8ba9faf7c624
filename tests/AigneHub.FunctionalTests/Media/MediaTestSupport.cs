using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AigneHub.FunctionalTests.Media;

/// <summary>What the embedding, image and model tests do through the hub's REST surface.</summary>
internal static class MediaTestSupport
{
    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HubFixture hub, string path, object body)
    {
        var response = await hub.Rest.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return (response.StatusCode, document.RootElement.Clone(), response);
    }

    public static async Task<JsonElement> GetJsonAsync(HubFixture hub, string path)
    {
        using var response = await hub.Rest.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>The OpenAI error envelope's error object, after checking the status.</summary>
    public static JsonElement Error(HttpStatusCode expected, (HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response) answer)
    {
        Assert.Equal(expected, answer.Status);
        return answer.Body.GetProperty("error");
    }

    /// <summary>
    /// Registers a provider through the admin API with the given keys, and waits until the call path routes to it
    /// (the models list shows its known models once its snapshot is in).
    /// </summary>
    public static async Task RegisterAsync(HubFixture hub, string provider, string baseUrl, params (string Name, string Key, int Weight)[] keys)
    {
        var version = await AdminAsync(hub, "/api/admin/providers", new { provider, base_url = baseUrl });
        foreach (var (name, key, weight) in keys)
        {
            version = await AdminAsync(hub, $"/api/admin/providers/{provider}/credentials", new { expected_version = version, name, api_key = key, weight });
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var models = await GetJsonAsync(hub, "/v1/models");
            if (models.GetProperty("data").EnumerateArray().Any(m => m.GetProperty("owned_by").GetString() == provider))
            {
                // The provider can show up from a refresh that ran between two of the writes above; a few more refresh
                // intervals (200 ms in tests) make sure the call path holds every credential before the test calls.
                await Task.Delay(1000);
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{provider} was not routable within 10 s");
            await Task.Delay(100);
        }
    }

    private static async Task<int> AdminAsync(HubFixture hub, string path, object body)
    {
        using var response = await hub.Rest.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
    }
}
