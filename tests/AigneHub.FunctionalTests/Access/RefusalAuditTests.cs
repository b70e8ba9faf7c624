using System.Net;
using System.Text.Json;
using AigneHub.Api.Hosting;
using AigneHub.Tests.Shared;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace AigneHub.FunctionalTests.Access;

/// <summary>
/// Refusals at the edge are audited, but a flood of them is not a flood of entries: refusals of one kind from one
/// source for one reason are counted per minute, the first written at once, the rest as one entry with their count —
/// and the count is not lost when the hub stops before the minute is over. On a hub of its own, which the test stops.
/// </summary>
public sealed class RefusalAuditTests : IAsyncLifetime
{
    private const string DeniedAddress = "203.0.113.77";
    private HubApplication _hub = null!;
    private string _database = string.Empty;
    private bool _stopped;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("refusalaudit");
        _hub = await HubApplication.CreateAsync([], config => config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = _database,
            ["Hub:RestUrl"] = "http://127.0.0.1:0",
            ["Hub:GrpcUrl"] = "http://127.0.0.1:0",
            [TestAccess.ConfigurationKey] = TestAccess.OwnerKey,
            ["Providers:Demo:Enabled"] = "true",
            ["Providers:CredentialRecheck:Enabled"] = "false",
            ["Hangfire:WorkerCount"] = "1",
            ["Access:IpRules:TrustedProxies:0"] = "127.0.0.1",
            ["Access:IpRules:Deny:0"] = "203.0.113.0/24",
            ["Secrets:ActiveKeyId"] = "test-2026",
            ["Secrets:Keys:test-2026"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        }));
        await _hub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (!_stopped)
        {
            await _hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_hundred_requests_from_a_denied_address_are_a_few_audit_entries_whose_counts_sum_to_200()
    {
        using var anonymous = TestAccess.RestClient(_hub.RestUri, key: null);
        using var owner = TestAccess.RestClient(_hub.RestUri);

        for (var i = 0; i < 200; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Forwarded-For", DeniedAddress);
            using var response = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        // The first refusal is in the trail at once.
        using (var listed = await owner.GetAsync($"/api/admin/audit?kind=IpDenied&target=address:{DeniedAddress}"))
        {
            using var document = JsonDocument.Parse(await listed.Content.ReadAsStringAsync());
            var entries = document.RootElement.GetProperty("entries").EnumerateArray().ToList();
            Assert.NotEmpty(entries);
            Assert.All(entries, e => Assert.Equal(DeniedAddress, e.GetProperty("address").GetString()));
        }

        // Stopping writes what the minute still held.
        await _hub.DisposeAsync();
        _stopped = true;
        var counts = await StoredCountsAsync("IpDenied", $"address:{DeniedAddress}");

        Assert.InRange(counts.Count, 1, 4);
        Assert.Equal(200, counts.Sum());
    }

    [Fact]
    public async Task Fifty_requests_with_a_wrong_secret_for_one_key_are_counted_under_that_key()
    {
        const string wrongSecret = "ahk_0000000000000001_not-the-owner-secret-0123456789-abcdefghijklmn";
        using var forged = TestAccess.RestClient(_hub.RestUri, wrongSecret);

        for (var i = 0; i < 50; i++)
        {
            using var response = await forged.GetAsync("/api/admin/users");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await _hub.DisposeAsync();
        _stopped = true;
        var counts = await StoredCountsAsync("KeyRefused", "key:0000000000000001");

        Assert.InRange(counts.Count, 1, 4);
        Assert.Equal(50, counts.Sum());
    }

    private async Task<List<int>> StoredCountsAsync(string kind, string target)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select data from aignehub.mt_doc_auditentry where data->>'kind' = @kind and data->>'target' = @target", connection);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("target", target);
        var counts = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var entry = JsonDocument.Parse(reader.GetString(0));
            counts.Add(entry.RootElement.TryGetProperty("count", out var count) ? count.GetInt32() : 1);
        }

        return counts;
    }
}
