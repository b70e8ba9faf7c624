using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AigneHub.Tests.Shared;

namespace AigneHub.FunctionalTests.Observability;

/// <summary>
/// Who may read /metrics: an admin or owner with an admin:read key, like the other admin reads (docs/operations.md).
/// A member's key, a key without admin:read and no key are refused; and the scrape names no provider credential.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed partial class MetricsAccessTests(MetricsHubFixture hub)
{
    [Fact]
    public async Task Only_an_admin_key_with_admin_read_may_scrape()
    {
        var member = await KeyAsync("metrics-member", "member", ["inference"]);
        var adminInferenceOnly = await KeyAsync("metrics-admin-inference", "admin", ["inference"]);
        var adminReader = await KeyAsync("metrics-admin-reader", "admin", ["admin:read"]);

        Assert.Equal(HttpStatusCode.Unauthorized, await ScrapeStatusAsync(null));
        Assert.Equal(HttpStatusCode.Forbidden, await ScrapeStatusAsync(member));
        Assert.Equal(HttpStatusCode.Forbidden, await ScrapeStatusAsync(adminInferenceOnly));
        Assert.Equal(HttpStatusCode.OK, await ScrapeStatusAsync(adminReader));
        Assert.Equal(HttpStatusCode.OK, await ScrapeStatusAsync(TestAccess.OwnerKey));
    }

    [Fact]
    public async Task The_scrape_names_no_provider_credential()
    {
        // A registered provider with a credential, used: its id must not become a label.
        hub.Upstream.Reset();
        using var existing = await hub.Rest.GetAsync("/api/admin/providers/doubao");
        int version;
        if (existing.IsSuccessStatusCode)
        {
            // Another test of the collection registered it, perhaps elsewhere: point it at this test's upstream.
            using var document = JsonDocument.Parse(await existing.Content.ReadAsStringAsync());
            using var repoint = new HttpRequestMessage(HttpMethod.Patch, "/api/admin/providers/doubao")
            {
                Content = JsonContent.Create(new { expected_version = document.RootElement.GetProperty("provider").GetProperty("version").GetInt32(), base_url = hub.Upstream.BaseUrl }),
            };
            using var repointed = await hub.Rest.SendAsync(repoint);
            var repointedText = await repointed.Content.ReadAsStringAsync();
            Assert.True(repointed.IsSuccessStatusCode, repointedText);
            using var changed = JsonDocument.Parse(repointedText);
            version = changed.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
        }
        else
        {
            using var registered = await hub.Rest.PostAsJsonAsync("/api/admin/providers", new { provider = "doubao", base_url = hub.Upstream.BaseUrl });
            using var document = JsonDocument.Parse(await registered.Content.ReadAsStringAsync());
            version = document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
        }

        using (var added = await hub.Rest.PostAsJsonAsync("/api/admin/providers/doubao/credentials", new { expected_version = version, name = "metrics-" + Guid.NewGuid().ToString("N")[..8], api_key = "sk-metrics-credential-0123456789" }))
        {
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var call = await hub.PostChatAsync(new { model = "doubao/metrics-credential-probe", messages = new object[] { new { role = "user", content = "hi" } } });
            if (call.IsSuccessStatusCode)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, await call.Content.ReadAsStringAsync());
            await Task.Delay(100);
        }

        using var providers = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/admin/providers/doubao"));
        var credentialIds = providers.RootElement.GetProperty("provider").GetProperty("credentials").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
        var scrape = await hub.Rest.GetStringAsync("/metrics");

        Assert.Contains("doubao", scrape, StringComparison.Ordinal);
        Assert.All(credentialIds, id => Assert.DoesNotContain(id, scrape, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("config:", scrape, StringComparison.Ordinal);
        // The only id in a scrape is the instance's own (target_info's service_instance_id), never a credential's.
        Assert.All(AnyGuid().Matches(scrape), id => Assert.Contains($"service_instance_id=\"{id.Value}\"", scrape, StringComparison.Ordinal));
    }

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", RegexOptions.IgnoreCase)]
    private static partial Regex AnyGuid();

    private async Task<HttpStatusCode> ScrapeStatusAsync(string? key)
    {
        using var client = TestAccess.RestClient(hub.RestUri, key);
        using var response = await client.GetAsync("/metrics");
        return response.StatusCode;
    }

    private async Task<string> KeyAsync(string name, string role, string[] scopes)
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = name, role });
        var userBody = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, userBody);
        var userId = JsonDocument.Parse(userBody).RootElement.GetProperty("user").GetProperty("id").GetString();
        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name, scopes });
        var keyBody = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, keyBody);
        return JsonDocument.Parse(keyBody).RootElement.GetProperty("secret").GetString()!;
    }
}
