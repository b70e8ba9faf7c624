using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.Tests.Shared;
using Grpc.Core;
using Npgsql;

namespace AigneHub.FunctionalTests.Operations;

/// <summary>
/// The local cluster of eng/cluster.sh — PostgreSQL at its default max_connections=100, three hub instances and
/// HAProxy in front — checked through the load balancer as an operator would (issues 16 and 21).
/// </summary>
public sealed class ClusterTests(ClusterFixture cluster, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_150_call_credit_burst_over_three_instances_at_100_connections_never_answers_500_nor_overspends()
    {
        // Two accounts that can pay for every call (load on the ledger and the pools), one that runs out (402s).
        var users = new[] { "burst-a", "burst-b", "burst-c" };
        var grants = new Dictionary<string, decimal> { ["burst-a"] = 2000m, ["burst-b"] = 2000m, ["burst-c"] = 30m };
        var keys = new Dictionary<string, string>();
        foreach (var user in users)
        {
            keys[user] = await cluster.MemberKeyAsync(user);
            await cluster.GrantAsync(user, grants[user].ToString(CultureInfo.InvariantCulture));
        }

        var clock = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 150).Select(async i =>
        {
            var user = users[i % users.Length];
            var stream = i % 2 == 0;
            using var request = Chat(keys[user], stream, $"burst call {i} from {user}");
            using var response = await cluster.Rest.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, Stream: stream, Body: body, RetryAfter: response.Headers.RetryAfter);
        }));

        // The figures docs/operations.md quotes ("Scale-out").
        output.WriteLine($"150 calls in {clock.ElapsedMilliseconds} ms: " + string.Join(", ", outcomes.GroupBy(o => (int)o.StatusCode).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}")));
        Assert.All(outcomes, o => Assert.True(
            o.StatusCode is HttpStatusCode.OK or HttpStatusCode.PaymentRequired or HttpStatusCode.ServiceUnavailable, $"{(int)o.StatusCode}: {o.Body}"));
        Assert.All(outcomes.Where(o => o.StatusCode == HttpStatusCode.ServiceUnavailable), o =>
        {
            Assert.NotNull(o.RetryAfter);
            Assert.Contains("hub_busy", o.Body, StringComparison.Ordinal);
        });
        Assert.All(outcomes.Where(o => o.StatusCode == HttpStatusCode.OK && o.Stream), o => Assert.EndsWith("data: [DONE]", o.Body.TrimEnd(), StringComparison.Ordinal));
        Assert.True(outcomes.Count(o => o.StatusCode == HttpStatusCode.OK) >= 100, "the paying accounts' calls were not served");

        foreach (var user in users)
        {
            // Every served call's capture is written (nothing left held for the recovery job), within the grant.
            var balance = await cluster.SettledBalanceAsync(user);
            Assert.Equal(0m, Number(balance.GetProperty("held")));
            Assert.True(Number(balance.GetProperty("available")) >= 0m, balance.ToString());
            Assert.True(Number(balance.GetProperty("total_spent")) <= grants[user], balance.ToString());
        }

        using var audit = await cluster.Rest.PostAsJsonAsync("/api/admin/credits:audit", new { });
        var report = JsonDocument.Parse(await audit.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, audit.StatusCode);
        Assert.Equal(0, report.GetProperty("mismatches").GetArrayLength());
        Assert.Equal("0", report.GetProperty("total_uncollected").GetString());
    }

    [Fact]
    public void Three_instances_started_at_once_on_an_empty_database_log_no_errors()
    {
        // Hangfire's 40001 and Marten's MT003 stack traces were logged at Error (fail:) when replicas raced the schema.
        Assert.All(cluster.StartupLogs, log => Assert.DoesNotMatch(@"(?m)^\S* ?(fail|crit): ", log));
        Assert.Equal(3, cluster.StartupLogs.Count);
    }

    [Fact]
    public async Task Server_sent_events_and_grpc_streams_pass_through_the_load_balancer()
    {
        var key = await cluster.MemberKeyAsync("streamer");
        await cluster.GrantAsync("streamer", "50");

        using var sse = await cluster.Rest.SendAsync(Chat(key, stream: true, "stream me through haproxy"));
        var events = await sse.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, sse.StatusCode);
        Assert.StartsWith("text/event-stream", sse.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]", events.TrimEnd(), StringComparison.Ordinal);

        using var channel = TestAccess.GrpcChannel(cluster.GrpcUrl, key);
        var inference = new Inference.InferenceClient(channel);
        var unary = await inference.CreateChatCompletionAsync(GrpcChat("unary through haproxy"));
        Assert.NotEmpty(unary.Choices);

        using var call = inference.StreamChatCompletion(GrpcChat("server streaming through haproxy"));
        var chunks = 0;
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
            chunks++;
        }

        Assert.True(chunks > 1, $"{chunks} chunks");
    }

    [Fact]
    public async Task The_statistics_keep_advancing_when_the_daemon_instance_is_killed_mid_load()
    {
        var leader = cluster.StatisticsLeader();
        var key = await cluster.MemberKeyAsync("after-kill");
        await cluster.GrantAsync("after-kill", "1000");
        var loadKey = await cluster.MemberKeyAsync("mid-load");
        await cluster.GrantAsync("mid-load", "1000");

        using var stop = new CancellationTokenSource();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        var load = Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await cluster.Rest.SendAsync(Chat(loadKey, worker % 2 == 0, $"load {worker}"));
                    statuses.Add(response.StatusCode);
                }
                catch (HttpRequestException)
                {
                    // A call in flight on the instance that was killed.
                }
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(1));
        await cluster.KillAsync(leader);
        var sinceKill = Stopwatch.StartNew();
        var served = 0;
        for (var i = 0; i < 12; i++)
        {
            try
            {
                using var response = await cluster.Rest.SendAsync(Chat(key, stream: false, $"after the kill {i}"));
                served += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
            }
            catch (HttpRequestException)
            {
                // Until the load balancer's checks mark the killed instance down (about 2 s), a call may still reach it.
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);
        Assert.True(served >= 8, $"only {served} of 12 calls served after the kill");
        Assert.DoesNotContain(HttpStatusCode.InternalServerError, statuses);

        // Another instance took the lease and counts the calls made after the kill.
        var counted = await cluster.CountedCallsAsync(key, served);
        Assert.Equal(served, counted);
        var successor = cluster.StatisticsLeader();
        output.WriteLine($"instance {leader} killed; instance {successor} projects; the {served} calls made after the kill were counted {sinceKill.ElapsedMilliseconds} ms after it");
        Assert.NotEqual(leader, successor);
        await cluster.StartInstanceAsync(leader, []);
    }

    [Fact]
    public async Task An_instance_restarted_with_its_switches_off_leaves_the_cluster_jobs_defined()
    {
        var before = await cluster.RecurringJobsAsync();
        Assert.Equal(9, before.Count);

        await cluster.KillAsync(3);
        await cluster.StartInstanceAsync(3, new()
        {
            ["Billing__Jobs__Enabled"] = "false",
            ["Images__CleanupEnabled"] = "false",
            ["Reports__Enabled"] = "false",
            ["Providers__CredentialRecheck__Enabled"] = "false",
            ["Cache__PruneEnabled"] = "false",
        });

        Assert.Equal(before, await cluster.RecurringJobsAsync());
    }

    private static HttpRequestMessage Chat(string key, bool stream, string prompt)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = "demo/echo",
                stream,
                messages = new object[] { new { role = "user", content = prompt } },
            }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private static CreateChatCompletionRequest GrpcChat(string prompt) => new()
    {
        Model = "demo/echo",
        Messages = { new ChatMessage { Role = "user", Content = Google.Protobuf.WellKnownTypes.Value.ForString(prompt) } },
    };

    private static decimal Number(JsonElement value) => decimal.Parse(value.GetString()!, CultureInfo.InvariantCulture);
}

/// <summary>Starts eng/cluster.sh once for the class (owned by this test process) and stops it afterwards.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aignehub-cluster-test-" + Guid.NewGuid().ToString("N")[..8]);
    private Dictionary<string, string> _settings = [];

    public HttpClient Rest { get; private set; } = null!;

    public Uri GrpcUrl => new(_settings["GRPC_URL"]);

    /// <summary>What each instance logged while the cluster started.</summary>
    public IReadOnlyList<string> StartupLogs { get; private set; } = [];

    public async Task InitializeAsync()
    {
        // A busy account's lease (ADR 0024) is held credits until it goes back idle: a second, not 30, so that a
        // balance read after a burst shows nothing held once the calls are captured.
        _settings = Parse(await RunAsync(["start"], new() { ["Billing__LeaseIdleSeconds"] = "1" }));
        StartupLogs = [.. Enumerable.Range(1, 3).Select(n => File.ReadAllText(LogOf(n)))];
        Rest = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 })
        {
            BaseAddress = new Uri(_settings["REST_URL"]),
            Timeout = TimeSpan.FromSeconds(60),
        };
        Rest.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _settings["OWNER_KEY"]);

        // Credits mode with a price for the demo model, as a service provider runs it.
        using var settings = await Rest.PutAsJsonAsync("/api/admin/billing/settings", new
        {
            expected_version = 0,
            mode = "credits",
            base_credit_price = "1",
            profit_margin_percent = "2",
            currency_prefix = "$",
            new_user_grant = "0",
            default_hold_tokens = 100,
        });
        Assert.True(settings.IsSuccessStatusCode, await settings.Content.ReadAsStringAsync());
        using var rate = await Rest.PutAsJsonAsync("/api/admin/rates", new
        {
            type = "chat",
            provider = "demo",
            model = "echo",
            input_rate = "0.01",
            output_rate = "0.1",
            unit_costs = new { input_usd = "0.00000015", output_usd = "0.0000006" },
        });
        Assert.True(rate.IsSuccessStatusCode, await rate.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        Rest?.Dispose();
        await RunAsync(["stop"], []);
    }

    public async Task<string> MemberKeyAsync(string user)
    {
        using (var created = await Rest.PostAsJsonAsync("/api/admin/users", new { user_id = user, display_name = user, role = "member" }))
        {
            Assert.True(created.IsSuccessStatusCode || created.StatusCode == HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());
        }

        using var key = await Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = user, name = "cluster test", scopes = new[] { "inference" } });
        var body = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!;
    }

    public async Task GrantAsync(string user, string amount)
    {
        using var response = await Rest.PostAsJsonAsync($"/api/admin/credits/{user}:grant", new { amount });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The user's balance once nothing is held any more (bounded: 30 s).</summary>
    public async Task<JsonElement> SettledBalanceAsync(string user)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await Rest.GetAsync($"/api/admin/credits/{user}");
            var balance = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("balance").Clone();
            if (balance.GetProperty("held").GetString() is "0" or "0.0" || DateTime.UtcNow > deadline)
            {
                return balance;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The calls the statistics count for the key's user, once they reach <paramref name="expected"/> (bounded: 60 s).</summary>
    public async Task<long> CountedCallsAsync(string key, long expected)
    {
        using var client = new HttpClient { BaseAddress = Rest.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        var from = DateTimeOffset.UtcNow.AddHours(-1).ToString("O", CultureInfo.InvariantCulture);
        var to = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        long counted = 0;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync($"/api/usage/statistics?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}");
            if (response.IsSuccessStatusCode)
            {
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                counted = document.RootElement.GetProperty("totals").GetProperty("calls").GetInt64();
                if (counted >= expected)
                {
                    return counted;
                }
            }

            await Task.Delay(250);
        }

        return counted;
    }

    /// <summary>The live instance whose current run's log says it took the statistics lease and has not lost it (bounded: 30 s).</summary>
    public int StatisticsLeader()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var leaders = Enumerable.Range(1, 3).Where(n => !_killed.Contains(n) && Leads(n)).ToList();
            if (leaders.Count > 0)
            {
                Assert.Single(leaders);
                return leaders[0];
            }

            Assert.True(DateTime.UtcNow < deadline, "no live instance holds the statistics lease");
            Thread.Sleep(200);
        }
    }

    public async Task KillAsync(int instance)
    {
        await RunAsync(["kill", instance.ToString(CultureInfo.InvariantCulture)], []);
        _killed.Add(instance);
    }

    public async Task StartInstanceAsync(int instance, Dictionary<string, string> environment)
    {
        _logOffsets[instance] = new FileInfo(LogOf(instance)).Length;
        await RunAsync(["start-instance", instance.ToString(CultureInfo.InvariantCulture)], environment);
        _killed.Remove(instance);
    }

    /// <summary>The recurring job definitions (id → cron) in the cluster's Hangfire schema.</summary>
    public async Task<Dictionary<string, string>> RecurringJobsAsync()
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_settings["DATABASE"]) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select s.value, h.value from hangfire.set s join hangfire.hash h on h.key = 'recurring-job:' || s.value and h.field = 'Cron' where s.key = 'recurring-jobs'",
            connection);
        var jobs = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            jobs[reader.GetString(0)] = reader.GetString(1);
        }

        return jobs;
    }

    private readonly HashSet<int> _killed = [];
    private readonly Dictionary<int, long> _logOffsets = [];

    private string LogOf(int instance) => Path.Combine(_dir, $"hub-{instance}.log");

    /// <summary>Whether the instance's current run (its log since its last start) took the lease and has not lost it.</summary>
    private bool Leads(int instance)
    {
        if (!File.Exists(LogOf(instance)))
        {
            return false;
        }

        using var stream = new FileStream(LogOf(instance), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(_logOffsets.GetValueOrDefault(instance), SeekOrigin.Begin);
        var run = new StreamReader(stream).ReadToEnd();
        return run.LastIndexOf("took the statistics lease", StringComparison.Ordinal) > run.LastIndexOf("stopped projecting", StringComparison.Ordinal);
    }

    private async Task<string> RunAsync(string[] arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "eng", "cluster.sh"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["AIGNEHUB_CLUSTER_DIR"] = _dir;
        start.Environment["AIGNEHUB_CLUSTER_OWNER"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        start.Environment["AIGNEHUB_CLUSTER_CONFIGURATION"] = RepositoryPaths.Configuration;
        start.Environment.Remove(TestDatabase.EnvironmentVariable);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"eng/cluster.sh {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await errors}");
        return await output;
    }

    private static Dictionary<string, string> Parse(string output) => output
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(line => line.Contains('=', StringComparison.Ordinal))
        .Select(line => line.Split('=', 2))
        .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
}
