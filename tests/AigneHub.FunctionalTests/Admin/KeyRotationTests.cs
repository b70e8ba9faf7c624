using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using Npgsql;

namespace AigneHub.FunctionalTests.Admin;

/// <summary>
/// Rotating the key ring: a new active key, one rotate call, and the old key can leave the ring while the credentials
/// it encrypted keep working.
/// </summary>
[Collection(KeyRotationCollection.Name)]
public sealed class KeyRotationTests(KeyRotationFixture fixture)
{
    private const string ApiKey = "sk-or-rotation-0123456789abcdef";

    private static readonly object[] Hello = [new { role = "user", content = "Say hello" }];

    [Fact]
    public async Task Rotating_moves_credentials_to_the_active_key_so_the_old_key_can_leave_the_ring()
    {
        fixture.OpenAI.Reset();
        fixture.OpenAI.RequiredApiKey = ApiKey;
        string credentialId;
        await using (var first = await fixture.StartHubAsync("old"))
        {
            var version = Version(await SendAsync(first, "/api/admin/providers", new { provider = "openrouter", base_url = fixture.OpenAI.BaseUrl }));
            var added = await SendAsync(first, "/api/admin/providers/openrouter/credentials", new { expected_version = version, name = "main", api_key = ApiKey });
            credentialId = added.GetProperty("provider").GetProperty("credentials")[0].GetProperty("id").GetString()!;
        }

        // Before the rotation, a ring without the old key cannot move the credential: the rotation says which key it lacks.
        await using (var withoutOld = await fixture.StartHubAsync("new"))
        {
            var refused = await RotateAsync(withoutOld, dryRun: false);
            Assert.Equal((1, 0, 0, 1), Counts(refused));
            var failure = Assert.Single(refused.GetProperty("failures").EnumerateArray());
            Assert.Equal(("openrouter", credentialId, "old"), (failure.GetProperty("provider").GetString(), failure.GetProperty("credential_id").GetString(), failure.GetProperty("key_id").GetString()));
        }

        Assert.Empty(await ReEncryptedEventsAsync());

        await using (var second = await fixture.StartHubAsync("new", "old"))
        {
            Assert.Equal((1, 1, 0, 0), Counts(await RotateAsync(second, dryRun: true)));
            Assert.Empty(await ReEncryptedEventsAsync());

            Assert.Equal((1, 1, 0, 0), Counts(await RotateAsync(second, dryRun: false)));
            var stored = Assert.Single(await ReEncryptedEventsAsync());
            Assert.Contains("\"keyId\": \"new\"", stored, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(credentialId, stored, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(ApiKey, stored, StringComparison.Ordinal);
            Assert.DoesNotContain("rotation-0123456789", stored, StringComparison.Ordinal);

            Assert.Equal((1, 0, 1, 0), Counts(await RotateAsync(second, dryRun: false)));
            Assert.Single(await ReEncryptedEventsAsync());
        }

        await using var third = await fixture.StartHubAsync("new");
        var check = await new SecretsAdmin.SecretsAdminClient(third.Grpc).RotateSecretsAsync(new RotateSecretsRequest { DryRun = true });
        Assert.Equal((1, 0, 1, 0, "new"), (check.Examined, check.ReEncrypted, check.AlreadyCurrent, check.Failed, check.ActiveKeyId));

        fixture.OpenAI.Reply("Hello after rotation");
        var answer = await ChatWhenRoutedAsync(third, "openrouter/some-model");
        Assert.Equal("Hello after rotation", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("Bearer " + ApiKey, fixture.OpenAI.LastRequest.Authorization);
    }

    private static (int Examined, int ReEncrypted, int AlreadyCurrent, int Failed) Counts(JsonElement result) =>
        (Int(result, "examined"), Int(result, "re_encrypted"), Int(result, "already_current"), Int(result, "failed"));

    private static int Int(JsonElement result, string name) => result.GetProperty(name).GetInt32();

    private static int Version(JsonElement response) => response.GetProperty("provider").GetProperty("version").GetInt32();

    private static async Task<JsonElement> RotateAsync(RunningHub hub, bool dryRun) =>
        await SendAsync(hub, "/api/admin/secrets:rotate", new { dry_run = dryRun });

    private static async Task<JsonElement> SendAsync(RunningHub hub, string path, object body)
    {
        using var response = await hub.Rest.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private async Task<IReadOnlyList<string>> ReEncryptedEventsAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select data::text from aignehub.mt_events where type = 'credential_secret_re_encrypted' order by seq_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<string>();
        while (await reader.ReadAsync())
        {
            events.Add(reader.GetString(0));
        }

        return events;
    }

    /// <summary>The hub's call path reads registered providers on its own schedule: retry while it answers 404.</summary>
    private static async Task<JsonElement> ChatWhenRoutedAsync(RunningHub hub, string model)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            using var response = await hub.Rest.PostAsJsonAsync("/v1/chat/completions", new { model, messages = Hello });
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.NotFound || DateTime.UtcNow > deadline)
            {
                Assert.True(response.IsSuccessStatusCode, $"{model}: {(int)response.StatusCode} {text}");
                using var document = JsonDocument.Parse(text);
                return document.RootElement.Clone();
            }

            await Task.Delay(100);
        }
    }
}
