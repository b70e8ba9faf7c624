using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using AigneHub.Tests.Shared;
using Npgsql;

namespace AigneHub.FunctionalTests.Hosting;

/// <summary>
/// A client's mistake (a 4xx, a stale version, a request it gave up on) is the client's business: the hub logs it at
/// Information or below, in one line, without SQL, parameter values or a stack trace. Errors are for the hub's own faults.
/// </summary>
public sealed class ClientMistakeLogTests(QuietLogFixture hub) : IClassFixture<QuietLogFixture>
{
    [Fact]
    public async Task A_stale_expected_version_is_a_409_logged_quietly()
    {
        var mark = hub.Logs.Mark();

        using var response = await hub.Rest.PostAsJsonAsync("/api/admin/users/owner:setRole", new { expected_version = 99, role = "admin" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        await Task.Delay(200);
        AssertQuiet(mark.Entries);
    }

    [Fact]
    public async Task Registering_a_registered_provider_is_a_409_logged_quietly()
    {
        using (var first = await hub.Rest.PostAsJsonAsync("/api/admin/providers", new { provider = "deepseek", base_url = "http://127.0.0.1:9/v1" }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var mark = hub.Logs.Mark();
        using var again = await hub.Rest.PostAsJsonAsync("/api/admin/providers", new { provider = "deepseek", base_url = "http://127.0.0.1:9/v1" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await Task.Delay(200);
        AssertQuiet(mark.Entries);
    }

    [Fact]
    public async Task Writers_racing_with_the_same_expected_version_get_409s_logged_quietly()
    {
        using (var registered = await hub.Rest.PostAsJsonAsync("/api/admin/providers", new { provider = "xai", base_url = "http://127.0.0.1:9/v1" }))
        {
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
        }

        var mark = hub.Logs.Mark();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Patch, "/api/admin/providers/xai") { Content = JsonContent.Create(new { expected_version = 1, base_url = $"http://127.0.0.{i + 1}:9/v1" }) };
            using var response = await hub.Rest.SendAsync(request);
            return response.StatusCode;
        }));

        Assert.Contains(HttpStatusCode.Conflict, statuses);
        await Task.Delay(200);
        AssertQuiet(mark.Entries);
    }

    [Fact]
    public async Task A_malformed_grpc_request_is_invalid_argument_logged_quietly()
    {
        var mark = hub.Logs.Mark();

        var garbage = await GrpcFrames.SendAsync(hub.GrpcUri, "/aignehub.v1.Inference/CreateChatCompletion", [0, 0, 0, 0, 3, 0x0A, 0x7F, 0x41]);
        var hugeLength = await GrpcFrames.SendAsync(hub.GrpcUri, "/aignehub.v1.Embeddings/CreateEmbeddings", [0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0A]);

        Assert.Equal((global::Grpc.Core.StatusCode.InvalidArgument, global::Grpc.Core.StatusCode.InvalidArgument), (garbage.Status, hugeLength.Status));
        await Task.Delay(200);
        AssertQuiet(mark.Entries);
    }

    [Fact]
    public async Task A_client_that_leaves_while_its_credits_are_being_held_is_logged_quietly()
    {
        // The owner's account exists after one call; then another connection locks its stream row, so the next hold waits.
        using (var first = await hub.Rest.PostAsJsonAsync("/v1/chat/completions", new { model = "openai/gpt-4o-mini", messages = new object[] { new { role = "user", content = "hi" } } }))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await using var connection = new NpgsqlConnection(hub.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("select id from aignehub.mt_streams where id = 'account:owner' for update", connection, transaction))
        {
            Assert.Equal("account:owner", await lockRow.ExecuteScalarAsync());
        }

        var mark = hub.Logs.Mark();
        using var leaving = new CancellationTokenSource();
        var call = hub.Rest.PostAsJsonAsync("/v1/chat/completions", new { model = "openai/gpt-4o-mini", messages = new object[] { new { role = "user", content = "hi" } } }, leaving.Token);
        await WaitUntilAsync(async () =>
        {
            await using var waiting = new NpgsqlCommand("select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()", connection, transaction);
            return (long)(await waiting.ExecuteScalarAsync())! > 0;
        });
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);

        // Whether the hold's query was cancelled with the caller or waits for the lock to end, the hub settles it now.
        await Task.Delay(300);
        await transaction.RollbackAsync();
        await WaitUntilAsync(async () =>
        {
            await using var waiting = new NpgsqlCommand("select count(*) from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()", connection);
            return (long)(await waiting.ExecuteScalarAsync())! == 0;
        });
        await Task.Delay(300);

        AssertQuiet(mark.Entries);
    }

    [Fact]
    public async Task A_client_that_hangs_up_mid_stream_is_logged_quietly()
    {
        hub.Upstream.ReplyStream([.. Enumerable.Range(0, 100).Select(i => $"word{i} ")], usage: null, delayBetweenPieces: TimeSpan.FromMilliseconds(100));
        var mark = hub.Logs.Mark();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = JsonContent.Create(new { model = "openai/gpt-4o-mini", messages = new object[] { new { role = "user", content = "count" } }, stream = true }),
            };
            using (var response = await hub.Rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await using var body = await response.Content.ReadAsStreamAsync();
                await body.ReadAtLeastAsync(new byte[16], 16);
            }

            // Hung up after the first event: the hub cancels the upstream call and releases the hold.
            await hub.Upstream.ClientAborted.WaitAsync(TimeSpan.FromSeconds(15));
            await Task.Delay(500);
        }
        finally
        {
            hub.Upstream.Echo();
        }

        AssertQuiet(mark.Entries);
    }

    [Fact]
    public async Task Refused_and_broken_requests_are_logged_quietly()
    {
        var mark = hub.Logs.Mark();
        using var forged = TestAccess.RestClient(hub.RestUri, "ahk_0000000000000001_not-the-owner-secret-0123456789-abcdefghijklmn");

        using (await forged.GetAsync("/api/admin/users"))
        using (await hub.Rest.PostAsync("/v1/chat/completions", new StringContent("{\"model\":", System.Text.Encoding.UTF8, "application/json")))
        using (await hub.Rest.PostAsJsonAsync("/v1/chat/completions", new { model = "openai/gpt-4o-mini", messages = Array.Empty<object>() }))
        using (await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "", role = "member" }))
        using (await hub.Rest.GetAsync("/api/admin/nothing-here"))
        using (await hub.Rest.GetAsync("/v1/chat/completions"))
        using (await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = "ghost", name = "k", scopes = new[] { "inference" } }))
        {
        }

        var tooLarge = System.Text.Encoding.UTF8.GetBytes($$"""{"model":"openai/text-embedding-3-small","input":"{{new string('a', 5 * 1024 * 1024)}}"}""");
        var (status, _) = await ChunkedRequest.PostAsync(hub.RestUri, "/v1/embeddings", "application/json", tooLarge, TestAccess.OwnerKey);
        Assert.Equal(413, status);
        await Task.Delay(200);
        AssertQuiet(mark.Entries);
    }

    private static void AssertQuiet(IReadOnlyList<CapturedLogEntry> entries)
    {
        var loud = entries.Where(e => e.Level >= LogLevel.Warning || e.Exception is not null || e.Text.Contains("mt_", StringComparison.Ordinal)).ToList();
        Assert.True(loud.Count == 0, string.Join("\n----\n", loud));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 15 s");
            await Task.Delay(50);
        }
    }
}
