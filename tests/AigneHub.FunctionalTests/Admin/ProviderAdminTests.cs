using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace AigneHub.FunctionalTests.Admin;

/// <summary>
/// The provider admin API through the host's REST port (transcoded gRPC). The hub's database is shared by the
/// collection, so each test registers a provider nobody else in the collection uses.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class ProviderAdminTests(HubFixture hub)
{
    private const string Route = "/api/admin/providers";

    [Fact]
    public async Task Registered_provider_is_listed_enabled_at_version_one()
    {
        var provider = await RegisterAsync(new { provider = "xai", display_name = "xAI" });

        Assert.Equal(("xai", "xAI", true, 1), (provider.Str("provider"), provider.Str("display_name"), provider.GetProperty("enabled").GetBoolean(), Version(provider)));
        using var list = JsonDocument.Parse(await hub.Rest.GetStringAsync(Route));
        Assert.Contains(list.RootElement.GetProperty("providers").EnumerateArray(), p => p.Str("provider") == "xai");
    }

    [Fact]
    public async Task Registering_a_provider_twice_answers_409()
    {
        await RegisterAsync(new { provider = "poe" });

        using var again = await hub.Rest.PostAsJsonAsync(Route, new { provider = "poe" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Theory]
    [InlineData("""{"provider":"skynet"}""", "provider")]
    [InlineData("""{"provider":"ollama"}""", "base_url")]
    [InlineData("""{"provider":"ollama","base_url":"ftp://example.com"}""", "base_url")]
    [InlineData("""{"provider":"bedrock"}""", "region")]
    [InlineData("""{"provider":"bedrock","region":"moon-1"}""", "region")]
    public async Task Invalid_registration_answers_400_naming_the_field(string json, string field)
    {
        using var response = await hub.Rest.PostAsync(Route, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, FieldViolations(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Added_credential_is_shown_masked_and_its_secret_is_unreadable_in_the_event_store()
    {
        const string secret = "sk-functional-test-secret-0123456789";
        var registered = await RegisterAsync(new { provider = "deepseek" });

        using var response = await hub.Rest.PostAsJsonAsync($"{Route}/deepseek/credentials", new
        {
            expected_version = Version(registered),
            name = "primary",
            weight = 3,
            api_key = secret,
        });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(secret, body);
        using var document = JsonDocument.Parse(body);
        var provider = document.RootElement.GetProperty("provider");
        var credential = provider.GetProperty("credentials")[0];
        Assert.Equal(("primary", "api_key", 3, "sk-f****6789", true), (credential.Str("name"), credential.Str("kind"), credential.GetProperty("weight").GetInt32(), credential.Str("masked_secret"), credential.GetProperty("enabled").GetBoolean()));
        // Registered, credential added, credential checked (the check on adding is recorded, even when it fails).
        Assert.Equal(3, Version(provider));

        await using var connection = new NpgsqlConnection(hub.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select string_agg(data::text, ' ') from aignehub.mt_events where stream_id = 'deepseek'", connection);
        var events = (string)(await command.ExecuteScalarAsync())!;
        Assert.Contains("\"ciphertext\"", events, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(secret, events);
        Assert.DoesNotContain("functional-test-secret", events);
    }

    [Fact]
    public async Task A_change_with_a_stale_version_answers_409_and_changes_nothing()
    {
        var registered = await RegisterAsync(new { provider = "openrouter" });
        var version = Version(registered);
        using (var first = await hub.Rest.PostAsJsonAsync($"{Route}/openrouter:disable", new { expected_version = version, reason = "maintenance" }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var stale = await hub.Rest.PostAsJsonAsync($"{Route}/openrouter/credentials", new { expected_version = version, name = "late", api_key = "sk-late-0123456789abcdef" });

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        using var current = JsonDocument.Parse(await hub.Rest.GetStringAsync($"{Route}/openrouter"));
        var provider = current.RootElement.GetProperty("provider");
        Assert.Equal((2, false, "maintenance"), (Version(provider), provider.GetProperty("enabled").GetBoolean(), provider.Str("disabled_reason")));
        Assert.Equal(0, provider.GetProperty("credentials").GetArrayLength());

        // A call to the disabled provider says why it cannot be served, once the call path has seen the change.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string message;
        do
        {
            using var call = await hub.PostChatAsync(new { model = "openrouter/openai/gpt-4o", messages = new[] { new { role = "user", content = "hi" } } });
            Assert.Equal(HttpStatusCode.NotFound, call.StatusCode);
            using var error = JsonDocument.Parse(await call.Content.ReadAsStringAsync());
            message = error.RootElement.GetProperty("error").GetProperty("message").GetString() ?? string.Empty;
        }
        while (!message.Contains("disabled or has no usable credential", StringComparison.Ordinal) && DateTime.UtcNow < deadline && await Delay());

        Assert.Contains("the provider 'openrouter' is disabled or has no usable credential", message);
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }

    [Fact]
    public async Task Credentials_can_be_reweighted_disabled_enabled_and_removed()
    {
        var registered = await RegisterAsync(new { provider = "doubao" });
        var added = await SendAsync(HttpMethod.Post, $"{Route}/doubao/credentials", new { expected_version = Version(registered), name = "a", api_key = "ark-0123456789abcdefghij" });
        var id = added.GetProperty("credentials")[0].Str("id");

        var reweighted = await SendAsync(HttpMethod.Patch, $"{Route}/doubao/credentials/{id}", new { expected_version = Version(added), weight = 50 });
        var disabled = await SendAsync(HttpMethod.Post, $"{Route}/doubao/credentials/{id}:disable", new { expected_version = Version(reweighted), reason = "rotating" });
        var enabled = await SendAsync(HttpMethod.Post, $"{Route}/doubao/credentials/{id}:enable", new { expected_version = Version(disabled) });
        var removed = await SendAsync(HttpMethod.Delete, $"{Route}/doubao/credentials/{id}?expected_version={Version(enabled)}", null);

        Assert.Equal(50, reweighted.GetProperty("credentials")[0].GetProperty("weight").GetInt32());
        Assert.Equal((false, "rotating"), (disabled.GetProperty("credentials")[0].GetProperty("enabled").GetBoolean(), disabled.GetProperty("credentials")[0].Str("disabled_reason")));
        Assert.True(enabled.GetProperty("credentials")[0].GetProperty("enabled").GetBoolean());
        Assert.Equal(0, removed.GetProperty("credentials").GetArrayLength());
        // Six changes, and the check recorded when the credential was added.
        Assert.Equal(7, Version(removed));
    }

    [Theory]
    [InlineData("""{"expected_version":1,"name":"k","api_key":""}""", "api_key")]
    [InlineData("""{"expected_version":1,"name":"k","api_key":"sk-0123456789abcdef","weight":0}""", "weight")]
    [InlineData("""{"expected_version":1,"name":"","api_key":"sk-0123456789abcdef"}""", "name")]
    [InlineData("""{"name":"k","api_key":"sk-0123456789abcdef"}""", "expected_version")]
    [InlineData("""{"expected_version":1,"name":"k","access_key_id":"ASIAFAKEKEYFORTESTS","secret_access_key":"x"}""", "api_key")]
    public async Task Invalid_credential_answers_400_naming_the_field(string json, string field)
    {
        using var response = await hub.Rest.PostAsync($"{Route}/openai/credentials", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, FieldViolations(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task Bedrock_takes_an_access_key_pair_and_shows_the_key_id()
    {
        var registered = await RegisterAsync(new { provider = "bedrock", region = "us-east-1" });

        var provider = await SendAsync(HttpMethod.Post, $"{Route}/bedrock/credentials", new
        {
            expected_version = Version(registered),
            name = "aws",
            access_key_id = "ASIAFAKEKEYFORTESTS",
            secret_access_key = "fake/secret-access-key/for-tests",
        });

        var credential = provider.GetProperty("credentials")[0];
        Assert.Equal(("access_key_pair", "ASIAFAKEKEYFORTESTS", "fake****ests"), (credential.Str("kind"), credential.Str("access_key_id"), credential.Str("masked_secret")));
    }

    [Fact]
    public async Task Unknown_provider_answers_404()
    {
        // No test registers openai: the chat tests rely on the configured openai provider being the one that answers.
        using var response = await hub.Rest.GetAsync($"{Route}/openai");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<JsonElement> RegisterAsync(object body) => await SendAsync(HttpMethod.Post, Route, body);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await hub.Rest.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path} answered {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("provider").Clone();
    }

    private static int Version(JsonElement provider) => provider.GetProperty("version").GetInt32();

    private static IReadOnlyList<string> FieldViolations(string statusJson)
    {
        using var document = JsonDocument.Parse(statusJson);
        return document.RootElement.GetProperty("details").EnumerateArray()
            .Where(d => d.TryGetProperty("fieldViolations", out _))
            .SelectMany(d => d.GetProperty("fieldViolations").EnumerateArray())
            .Select(v => v.GetProperty("field").GetString() ?? string.Empty)
            .ToArray();
    }
}

internal static class JsonElementText
{
    public static string? Str(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
