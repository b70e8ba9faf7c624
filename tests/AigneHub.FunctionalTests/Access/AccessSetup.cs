using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.FunctionalTests.Admin;

namespace AigneHub.FunctionalTests.Access;

/// <summary>A key as the hub issued it: its whole text (shown once), its id and what the admin API says of it.</summary>
internal sealed record IssuedKey(string Secret, string KeyId, JsonElement Key);

/// <summary>Users and keys made through the admin and self-service REST routes, each step asserted to succeed.</summary>
internal static class AccessSetup
{
    public static readonly object DemoChat = new { model = "demo/echo", messages = new object[] { new { role = "user", content = "hello" } } };

    /// <summary>A user with a unique id built from <paramref name="name"/>; returns the id.</summary>
    public static async Task<string> UserAsync(HttpClient by, string name, string role)
    {
        var id = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)];
        using var response = await by.PostAsJsonAsync("/api/admin/users", new { user_id = id, display_name = name, role });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return id;
    }

    public static async Task RegisterAppAsync(HttpClient by, string userId, string appId)
    {
        using var user = JsonDocument.Parse(await by.GetStringAsync("/api/admin/users"));
        var version = user.RootElement.GetProperty("users").EnumerateArray().Single(u => u.Str("id") == userId).GetProperty("version").GetInt32();
        using var response = await by.PostAsJsonAsync($"/api/admin/users/{userId}/apps", new { expected_version = version, app_id = appId, name = appId });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>POST /api/admin/keys with <paramref name="body"/> (which names the user and the scopes).</summary>
    public static Task<IssuedKey> KeyAsync(HttpClient by, object body) => IssueAsync(by, "/api/admin/keys", body);

    /// <summary>POST /api/user/keys: the caller's own new key.</summary>
    public static Task<IssuedKey> MyKeyAsync(HttpClient by, object body) => IssueAsync(by, "/api/user/keys", body);

    public static async Task<IssuedKey> IssuedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        var key = document.RootElement.GetProperty("key").Clone();
        return new IssuedKey(document.RootElement.Str("secret")!, key.Str("key_id")!, key);
    }

    /// <summary>Asserts a 403 google.rpc.Status (code 7) whose ErrorInfo names <paramref name="field"/>; returns its message.</summary>
    public static async Task<string> PermissionDeniedAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"expected 403, got {(int)response.StatusCode}: {body}");
        using var status = JsonDocument.Parse(body);
        Assert.Equal(7, status.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(field, FieldOf(status.RootElement));
        return status.RootElement.Str("message")!;
    }

    /// <summary>The field an error's ErrorInfo names (metadata "field"), or null.</summary>
    public static string? FieldOf(JsonElement status) =>
        status.GetProperty("details").EnumerateArray()
            .Where(d => d.TryGetProperty("metadata", out _))
            .Select(d => d.GetProperty("metadata").Str("field"))
            .FirstOrDefault();

    public static async Task<HttpStatusCode> ChatAsync(HttpClient client, string model = "demo/echo")
    {
        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model, messages = new object[] { new { role = "user", content = "hello" } } });
        return response.StatusCode;
    }

    private static async Task<IssuedKey> IssueAsync(HttpClient by, string path, object body)
    {
        using var response = await by.PostAsJsonAsync(path, body);
        return await IssuedAsync(response);
    }
}
