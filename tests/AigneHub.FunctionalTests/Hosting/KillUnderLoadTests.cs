using System.Collections.Concurrent;
using System.Net.Http.Json;
using AigneHub.Tests.Shared;
using Npgsql;

namespace AigneHub.FunctionalTests.Hosting;

/// <summary>
/// A hub killed with SIGKILL in the middle of a load loses no record of a call it completed: the records wait in the
/// local journal, and the next start writes them (once each, with one CallRecorded event each).
/// </summary>
public sealed class KillUnderLoadTests : IDisposable
{
    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "aignehub-kill-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Every_completed_call_has_its_record_after_a_kill_and_a_restart()
    {
        var database = await TestDatabase.CreateAsync("kill");
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = database,
            ["Access__BootstrapAdminKey"] = TestAccess.OwnerKey,
            ["Providers__Demo__Enabled"] = "true",
            ["Providers__Demo__WordDelayMs"] = "1",
            ["Analytics__Daemon"] = "Disabled",
            ["Usage__JournalPath"] = Path.Combine(_dataPath, "journal"),
            ["Secrets__ActiveKeyId"] = "test-2026",
            ["Secrets__Keys__test-2026"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Logging__LogLevel__Default"] = "Warning",
        };

        // The first run never writes a batch on its own (a minute's flush interval, huge batches): without the
        // journal, every record would die with the process.
        var completed = new ConcurrentBag<string>();
        await using (var hub = await HubProcess.StartAsync(_dataPath, new Dictionary<string, string>(environment)
        {
            ["Usage__FlushIntervalMs"] = "60000",
            ["Usage__BatchSize"] = "10000",
        }))
        {
            hub.Authenticate(TestAccess.OwnerKey);
            using var stop = new CancellationTokenSource();
            var load = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; i < 40 && !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        using var response = await hub.Http.PostAsJsonAsync("/v1/chat/completions", new
                        {
                            model = "demo/echo",
                            stream = i % 2 == 0,
                            messages = new object[] { new { role = "user", content = $"worker {worker} call {i} says hello" } },
                        });
                        var body = await response.Content.ReadAsStringAsync();
                        var done = response.IsSuccessStatusCode && (i % 2 != 0 || body.Contains("data: [DONE]", StringComparison.Ordinal));
                        if (done)
                        {
                            completed.Add(response.Headers.GetValues("x-request-id").Single());
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
                    {
                        // In flight when the process died: not a completed call.
                    }
                }
            })).ToArray();

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (completed.Count < 150 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            await hub.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(load);
        }

        Assert.True(completed.Count >= 150, $"only {completed.Count} calls completed before the kill");

        await using (var hub = await HubProcess.StartAsync(_dataPath, environment))
        {
            hub.Authenticate(TestAccess.OwnerKey);
            var stored = await RequestIdsAsync(hub.Http);

            var missing = completed.Where(id => !stored.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {completed.Count} completed calls have no record after the restart");
        }

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            // Every record once in the documents and once in the statistics' events (a batch's CallsRecorded tallies
            // its calls; ADR 0025): a batch replayed from the journal and also written before the kill would count twice.
            "select (select count(*) from aignehub.mt_doc_callrecord), (select coalesce(sum((t->'figures'->>'calls')::bigint), 0) from aignehub.mt_events e, jsonb_array_elements(e.data->'tallies') t where e.type = 'calls_recorded')",
            connection);
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (records, counted) = (reader.GetInt64(0), reader.GetInt64(1));
        Assert.True(records >= completed.Count);
        Assert.Equal(records, counted);
    }

    private static async Task<HashSet<string>> RequestIdsAsync(HttpClient http)
    {
        var csv = await http.GetStringAsync("/api/usage/calls:export");
        return csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line.Split(',')[2]).ToHashSet(StringComparer.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
