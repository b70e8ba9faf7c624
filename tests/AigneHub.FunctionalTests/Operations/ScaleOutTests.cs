using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.FunctionalTests.Hosting;
using AigneHub.Tests.Shared;
using Npgsql;

namespace AigneHub.FunctionalTests.Operations;

/// <summary>
/// Several hub processes on one database, as issue 21 tried them: an instance's switches do not change the cluster's
/// job schedule, the statistics daemon fails over to a standby when its instance is killed, and readiness says when
/// the statistics stop advancing.
/// </summary>
public sealed class ScaleOutTests : IDisposable
{
    private static readonly string[] ClusterJobs =
    [
        "credential-recheck", "expired-image-cleanup", "billing-grant-expiry", "billing-hold-recovery", "billing-rate-sync",
        "response-cache-prune", "usage-reports-daily", "usage-reports-weekly", "budget-reservation-recovery",
    ];

    private readonly string _dataPath = Path.Combine(Path.GetTempPath(), "aignehub-scale-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task An_instance_started_with_its_switches_off_leaves_the_cluster_jobs_defined_and_running()
    {
        var database = await TestDatabase.CreateAsync("jobs");
        await using var first = await HubProcess.StartAsync(Path.Combine(_dataPath, "a"), Environment(database, new()
        {
            // Every 5 s (Hangfire's seconds field), so a run is seen within the scheduler's 15 s polling.
            ["Billing__Jobs__GrantExpiryCron"] = "*/5 * * * * *",
            ["Billing__Jobs__RateSyncEnabled"] = "true",
        }));
        var defined = await WaitForJobsAsync(database, ClusterJobs.Length);
        Assert.Equal(ClusterJobs.Order(StringComparer.Ordinal), defined.Keys.Order(StringComparer.Ordinal));

        await using (var switchedOff = await HubProcess.StartAsync(Path.Combine(_dataPath, "b"), Environment(database, new()
        {
            ["Billing__Jobs__Enabled"] = "false",
            ["Images__CleanupEnabled"] = "false",
            ["Reports__Enabled"] = "false",
            ["Providers__CredentialRecheck__Enabled"] = "false",
            ["Cache__PruneEnabled"] = "false",
            ["Billing__Jobs__GrantExpiryCron"] = "*/5 * * * * *",
        })))
        {
            var queues = await ServerQueuesAsync(database);
            Assert.Contains(queues, q => q.SetEquals(["default"]));
            Assert.Contains(queues, q => q.SetEquals(["default", "billing", "images", "reports", "credentials", "cache"]));
            Assert.Equal(0, await switchedOff.InterruptAsync());
        }

        // A special-purpose instance with another cron that does not manage the schedule leaves the cluster's alone.
        await using (var other = await HubProcess.StartAsync(Path.Combine(_dataPath, "c"), Environment(database, new()
        {
            ["Hangfire__ManageSchedule"] = "false",
            ["Billing__Jobs__HoldRecoveryCron"] = "*/17 * * * *",
        })))
        {
            Assert.Equal(0, await other.InterruptAsync());
        }

        Assert.Equal(defined, await WaitForJobsAsync(database, ClusterJobs.Length));

        // And the first instance still runs them: the grant expiry keeps succeeding after the others left.
        var before = await SucceededRunsAsync(database, "ExpireGrantsAsync");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await SucceededRunsAsync(database, "ExpireGrantsAsync") <= before)
        {
            Assert.True(DateTime.UtcNow < deadline, "the grant expiry did not run again within 60 s:\n" + first.Output);
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task The_statistics_keep_advancing_when_the_instance_running_their_daemon_is_killed()
    {
        var database = await TestDatabase.CreateAsync("failover");
        var settings = new Dictionary<string, string> { ["Analytics__LeasePollSeconds"] = "1" };
        await using var one = await HubProcess.StartAsync(Path.Combine(_dataPath, "1"), Environment(database, settings));
        await using var two = await HubProcess.StartAsync(Path.Combine(_dataPath, "2"), Environment(database, settings));
        var hubs = new[] { one, two };
        var leader = await WaitForLeaderAsync(hubs);
        var standby = hubs.Single(h => h != leader);
        var from = DateTimeOffset.UtcNow.AddMinutes(-5);

        await CallAsync(standby, 3);
        await WaitForCountedCallsAsync(standby, from, 3);

        await leader.KillAsync();
        await CallAsync(standby, 3);

        // The standby takes the lease within a poll of the killed session's end and counts the new calls.
        await WaitForCountedCallsAsync(standby, from, 6);
        Assert.Contains("took the statistics lease", standby.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_says_the_statistics_are_stalled_when_no_instance_projects_them()
    {
        var database = await TestDatabase.CreateAsync("stall");
        await using var hub = await HubProcess.StartAsync(Path.Combine(_dataPath, "s"), Environment(database, new()
        {
            ["Analytics__Daemon"] = "Disabled",
            ["Analytics__StallSeconds"] = "1",
        }));
        await CallAsync(hub, 1);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string body;
        while (true)
        {
            using var ready = await hub.Http.GetAsync("/readyz");
            body = await ready.Content.ReadAsStringAsync();
            if (body.StartsWith("Degraded", StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                // Degraded keeps the instance in the load balancer (calls are still served): 200, with the reason.
                Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
                break;
            }

            await Task.Delay(250);
        }

        Assert.StartsWith("Degraded", body, StringComparison.Ordinal);
        Assert.Contains("statistics: usage statistics stalled", body, StringComparison.Ordinal);
        Assert.Contains("no instance runs the statistics daemon", body, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataPath))
        {
            Directory.Delete(_dataPath, recursive: true);
        }
    }

    private static Dictionary<string, string> Environment(string database, Dictionary<string, string> extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = database,
            ["Access__BootstrapAdminKey"] = TestAccess.OwnerKey,
            ["Providers__Demo__Enabled"] = "true",
            ["Secrets__ActiveKeyId"] = "scale-2026",
            ["Secrets__Keys__scale-2026"] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__AigneHub.Infrastructure.Usage.StatisticsDaemonLease"] = "Information",
        };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static async Task<Dictionary<string, string>> WaitForJobsAsync(string database, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "select s.value, h.value from hangfire.set s join hangfire.hash h on h.key = 'recurring-job:' || s.value and h.field = 'Cron' where s.key = 'recurring-jobs'",
                connection);
            var jobs = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    jobs[reader.GetString(0)] = reader.GetString(1);
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
            }

            if (jobs.Count >= count || DateTime.UtcNow > deadline)
            {
                return jobs;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<List<HashSet<string>>> ServerQueuesAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select data from hangfire.server", connection);
        var servers = new List<HashSet<string>>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            using var data = JsonDocument.Parse(reader.GetString(0));
            servers.Add(data.RootElement.GetProperty("Queues").EnumerateArray().Select(q => q.GetString()!).ToHashSet(StringComparer.Ordinal));
        }

        return servers;
    }

    private static async Task<long> SucceededRunsAsync(string database, string method)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from hangfire.job where statename = 'Succeeded' and invocationdata::text like @method", connection);
        command.Parameters.AddWithValue("method", $"%{method}%");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<HubProcess> WaitForLeaderAsync(HubProcess[] hubs)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var leaders = hubs.Where(h => h.Output.Contains("took the statistics lease", StringComparison.Ordinal)).ToList();
            if (leaders.Count > 0)
            {
                Assert.Single(leaders);
                return leaders[0];
            }

            Assert.True(DateTime.UtcNow < deadline, "no instance took the statistics lease within 30 s:\n" + string.Join("\n---\n", hubs.Select(h => h.Output)));
            await Task.Delay(200);
        }
    }

    private static async Task CallAsync(HubProcess hub, int calls)
    {
        hub.Authenticate(TestAccess.OwnerKey);
        for (var i = 0; i < calls; i++)
        {
            using var response = await hub.Http.PostAsJsonAsync("/v1/chat/completions", new
            {
                model = "demo/echo",
                messages = new object[] { new { role = "user", content = $"count me {i}" } },
            });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    private static async Task WaitForCountedCallsAsync(HubProcess hub, DateTimeOffset from, long calls)
    {
        var query = $"/api/usage/statistics?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(from.AddHours(2).ToString("O"))}";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long counted = 0;
        while (DateTime.UtcNow < deadline)
        {
            using var document = JsonDocument.Parse(await hub.Http.GetStringAsync(query));
            counted = document.RootElement.GetProperty("totals").GetProperty("calls").GetInt64();
            if (counted >= calls)
            {
                return;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"the statistics counted {counted} of {calls} calls within 60 s:\n{hub.Output}");
    }
}
