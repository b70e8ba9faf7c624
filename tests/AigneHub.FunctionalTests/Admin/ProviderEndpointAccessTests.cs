using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Admin;

/// <summary>
/// Where the hub sends a provider's stored credentials is the owner's to move: the hub shows the secrets to nobody, so
/// an admin who could point a provider that holds them at a host of their own would receive them with the next call
/// or credential check.
/// </summary>
[Collection(CredentialCheckCollection.Name)]
public sealed class ProviderEndpointAccessTests(CredentialCheckFixture hub)
{
    [Fact]
    public async Task An_admin_cannot_point_a_provider_that_holds_credentials_at_another_host_and_an_owner_can()
    {
        var version = await VersionOfAsync(hub.Rest.PostAsJsonAsync("/api/admin/providers", new { provider = "openrouter", base_url = hub.OpenAI.BaseUrl }));
        version = await VersionOfAsync(hub.Rest.PostAsJsonAsync("/api/admin/providers/openrouter/credentials", new { expected_version = version, name = "main", api_key = "sk-or-endpoint-0123456789" }));
        using (var created = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { user_id = "endpoint-admin", display_name = "Endpoint admin", role = "admin" }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = "endpoint-admin", name = "operator", scopes = new[] { "admin:read", "admin:write" } });
        var keyText = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, keyText);
        using var keyJson = JsonDocument.Parse(keyText);
        using var asAdmin = TestAccess.RestClient(hub.Rest.BaseAddress!, keyJson.RootElement.GetProperty("secret").GetString());

        using var moved = await asAdmin.PatchAsJsonAsync("/api/admin/providers/openrouter", new { expected_version = version, base_url = "http://127.0.0.1:9/v1" });

        Assert.Equal(HttpStatusCode.Forbidden, moved.StatusCode);
        Assert.Contains("base_url", await moved.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using (var current = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/admin/providers/openrouter")))
        {
            var provider = current.RootElement.GetProperty("provider");
            Assert.Equal((hub.OpenAI.BaseUrl, version), (provider.GetProperty("base_url").GetString(), provider.GetProperty("version").GetInt32()));
        }

        // A provider without credentials sends nothing anywhere: an admin moves it. The owner moves either.
        var empty = await VersionOfAsync(asAdmin.PostAsJsonAsync("/api/admin/providers", new { provider = "poe", base_url = hub.OpenAI.BaseUrl }));
        await VersionOfAsync(asAdmin.PatchAsJsonAsync("/api/admin/providers/poe", new { expected_version = empty, base_url = "http://127.0.0.1:9/v1" }));
        await VersionOfAsync(hub.Rest.PatchAsJsonAsync("/api/admin/providers/openrouter", new { expected_version = version, base_url = "http://127.0.0.1:9/v1" }));
    }

    private static async Task<int> VersionOfAsync(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
    }
}
