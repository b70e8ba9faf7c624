using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.FunctionalTests.Billing;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Caching;

/// <summary>The response cache across two instances on one database: hits, misses, scopes, expiry, purge and what a hit is charged.</summary>
[Collection(CacheCollection.Name)]
public sealed class ResponseCacheTests(CacheFixture hubs)
{
    private const string Model = "openai/gpt-4o-mini";

    [Fact]
    public async Task A_repeated_request_is_answered_by_the_other_instance_without_calling_the_provider()
    {
        await hubs.GrantAsync("cache-twice", "10");
        hubs.Upstream.Reply("The cached answer.", new FakeUsage(12, 4));
        var body = Chat("What is cached across instances?");

        using var miss = await SendAsync(hubs.First, "cache-twice", body);
        var upstreamCalls = hubs.Upstream.RequestCount;
        using var hit = await SendAsync(hubs.Second, "cache-twice", body);

        Assert.Equal(("miss", "hit"), (CacheHeader(miss), CacheHeader(hit)));
        Assert.Equal(upstreamCalls, hubs.Upstream.RequestCount);
        var (first, second) = (await JsonAsync(miss), await JsonAsync(hit));
        Assert.Equal("The cached answer.", Content(second));
        Assert.Equal(Content(first), Content(second));
        Assert.Equal(first.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), second.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Another_users_identical_request_misses_unless_both_keys_share_an_app()
    {
        foreach (var user in new[] { "cache-alice", "cache-bob", "cache-carol", "cache-dave" })
        {
            await hubs.GrantAsync(user, "10");
        }

        hubs.Upstream.Reply("Private answer.", new FakeUsage(10, 3));
        var body = Chat("Whose answer is this?");

        using var alice = await SendAsync(hubs.First, "cache-alice", body);
        using var bob = await SendAsync(hubs.First, "cache-bob", body);
        using var carol = await SendAsync(hubs.First, "cache-carol", body, app: "shared-app");
        using var dave = await SendAsync(hubs.Second, "cache-dave", body, app: "shared-app");
        using var aliceAgain = await SendAsync(hubs.Second, "cache-alice", body);

        Assert.Equal(("miss", "miss"), (CacheHeader(alice), CacheHeader(bob)));
        Assert.Equal(("miss", "hit"), (CacheHeader(carol), CacheHeader(dave)));
        Assert.Equal("hit", CacheHeader(aliceAgain));
    }

    [Fact]
    public async Task An_answer_is_no_longer_served_once_its_ttl_has_passed()
    {
        await hubs.GrantAsync("cache-ttl", "10");
        hubs.Upstream.Reply("Short-lived.", new FakeUsage(8, 2));
        var body = Chat("How long do you live?");

        using var miss = await SendAsync(hubs.First, "cache-ttl", body, ttlSeconds: 1);
        using var hit = await SendAsync(hubs.First, "cache-ttl", body, ttlSeconds: 1);
        Assert.Equal(("miss", "hit"), (CacheHeader(miss), CacheHeader(hit)));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        string outcome;
        do
        {
            await Task.Delay(200);
            using var again = await SendAsync(hubs.Second, "cache-ttl", body, ttlSeconds: 1);
            outcome = CacheHeader(again);
        }
        while (outcome == "hit" && DateTime.UtcNow < deadline);

        Assert.Equal("miss", outcome);
    }

    [Fact]
    public async Task An_admin_purge_of_a_scope_makes_its_next_request_miss_and_is_audited()
    {
        await hubs.GrantAsync("cache-purged", "10");
        hubs.Upstream.Reply("Soon forgotten.", new FakeUsage(8, 2));
        var body = Chat("Forget me.");
        using var miss = await SendAsync(hubs.First, "cache-purged", body);
        using var hit = await SendAsync(hubs.First, "cache-purged", body);
        Assert.Equal(("miss", "hit"), (CacheHeader(miss), CacheHeader(hit)));

        using var purge = await hubs.First.DeleteAsync("/api/admin/cache?scope=user:cache-purged");
        var purged = await purge.Content.ReadAsStringAsync();
        using var after = await SendAsync(hubs.First, "cache-purged", body);

        Assert.True(purge.IsSuccessStatusCode, purged);
        Assert.Equal(1, JsonDocument.Parse(purged).RootElement.GetProperty("deleted").GetInt32());
        Assert.Equal("miss", CacheHeader(after));
        var audit = await hubs.First.GetStringAsync("/api/admin/audit?kind=PurgeResponseCache");
        Assert.Contains("cache:user:cache-purged", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hit_is_charged_the_configured_fraction_of_its_originals_cost_at_the_cited_rate_version()
    {
        await hubs.GrantAsync("cache-payer", "10");
        hubs.Upstream.Reply("Worth paying for.", new FakeUsage(100, 20));
        var body = Chat("Charge me half.");

        using var miss = await SendAsync(hubs.First, "cache-payer", body);
        using var hit = await SendAsync(hubs.Second, "cache-payer", body);

        var original = await RecordAsync(miss);
        var cached = await RecordAsync(hit);
        // 100 × 0.01 + 20 × 0.1 = 3 credits; the hit pays half and saves the rest.
        Assert.Equal(("miss", "3"), (original.GetProperty("cache").GetString(), original.GetProperty("credits_charged").GetString()));
        Assert.Equal(("hit", "1.5", "1.5"), (cached.GetProperty("cache").GetString(), cached.GetProperty("credits_charged").GetString(), cached.GetProperty("cache_saved_credits").GetString()));
        Assert.Equal(original.GetProperty("rate_version").GetInt32(), cached.GetProperty("rate_version").GetInt32());
        Assert.Equal(original.GetProperty("rate_id").GetString(), cached.GetProperty("rate_id").GetString());
        Assert.Equal(10m - 3m - 1.5m, await BalanceAsync("cache-payer"));
    }

    [Fact]
    public async Task A_hit_on_an_answer_the_provider_named_by_a_dated_snapshot_is_charged_at_the_rate_of_the_model_that_served_it()
    {
        // OpenAI answers "gpt-4o-mini" as "gpt-4o-mini-2024-07-18", which has no rate: hits were priced by that name,
        // so they cost nothing (and, with nothing to hold, passed even a zero balance).
        await hubs.GrantAsync("cache-snapshot", "10");
        hubs.Upstream.Reply("Dated answer.", new FakeUsage(100, 20));
        hubs.Upstream.ResponseModel = "gpt-4o-mini-2024-07-18";
        try
        {
            var body = Chat("Which snapshot answered?");

            using var miss = await SendAsync(hubs.First, "cache-snapshot", body);
            using var hit = await SendAsync(hubs.Second, "cache-snapshot", body);

            var original = await RecordAsync(miss);
            var cached = await RecordAsync(hit);
            Assert.Equal(("miss", "3"), (original.GetProperty("cache").GetString(), original.GetProperty("credits_charged").GetString()));
            Assert.Equal(("hit", "1.5"), (cached.GetProperty("cache").GetString(), cached.GetProperty("credits_charged").GetString()));
            Assert.Equal(original.GetProperty("rate_id").GetString(), cached.GetProperty("rate_id").GetString());
            Assert.Equal(10m - 3m - 1.5m, await BalanceAsync("cache-snapshot"));
        }
        finally
        {
            hubs.Upstream.ResponseModel = null;
        }
    }

    [Fact]
    public async Task Usage_statistics_show_the_hit_rate_and_what_the_hits_saved()
    {
        await hubs.GrantAsync("cache-stats", "10");
        hubs.Upstream.Reply("Counted.", new FakeUsage(100, 20));
        var body = Chat("Count my hits.");
        using var miss = await SendAsync(hubs.First, "cache-stats", body);
        using var hit = await SendAsync(hubs.Second, "cache-stats", body);
        using var hitAgain = await SendAsync(hubs.First, "cache-stats", body);
        await RecordAsync(hitAgain);

        var deadline = DateTime.UtcNow.AddSeconds(20);
        JsonElement totals;
        do
        {
            await Task.Delay(100);
            using var statistics = JsonDocument.Parse(await hubs.First.GetStringAsync(
                $"/api/usage/statistics?user_id=cache-stats&from={DateTimeOffset.UtcNow.AddHours(-1):O}&to={DateTimeOffset.UtcNow.AddHours(1):O}".Replace("+", "%2B", StringComparison.Ordinal)));
            totals = statistics.RootElement.GetProperty("totals").Clone();
        }
        while ((!totals.TryGetProperty("cache_hits", out var hits) || hits.GetInt64() < 2) && DateTime.UtcNow < deadline);

        // Two hits and one miss; each hit paid 1.5 of the original's 3 credits.
        Assert.Equal((2L, 1L), (totals.GetProperty("cache_hits").GetInt64(), totals.GetProperty("cache_misses").GetInt64()));
        Assert.Equal(0.6667, totals.GetProperty("cache_hit_rate").GetDouble());
        Assert.Equal(3m, decimal.Parse(totals.GetProperty("cache_saved_credits").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_streamed_request_is_replayed_from_a_unary_answer_in_pieces_with_usage()
    {
        await hubs.GrantAsync("cache-streamer", "10");
        hubs.Upstream.Reply("One answer, stored once and replayed as a stream of several pieces.", new FakeUsage(9, 14));
        var unary = Chat("Replay me as a stream.");
        using var miss = await SendAsync(hubs.First, "cache-streamer", unary);
        var upstreamCalls = hubs.Upstream.RequestCount;

        using var streamed = await SendAsync(hubs.Second, "cache-streamer", Chat("Replay me as a stream.", stream: true));

        Assert.Equal(("miss", "hit"), (CacheHeader(miss), CacheHeader(streamed)));
        Assert.Equal(upstreamCalls, hubs.Upstream.RequestCount);
        var chunks = (await streamed.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", chunks[^1]);
        var events = chunks[..^1].Select(c => JsonDocument.Parse(c).RootElement).ToList();
        var pieces = events.SelectMany(e => e.GetProperty("choices").EnumerateArray())
            .Select(c => c.GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : null).OfType<string>().ToList();
        Assert.True(pieces.Count > 2, $"{pieces.Count} pieces");
        Assert.Equal("One answer, stored once and replayed as a stream of several pieces.", string.Concat(pieces));
        Assert.Equal(14, events.Last(e => e.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object).GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task A_streamed_answer_is_stored_and_answers_a_unary_request()
    {
        await hubs.GrantAsync("cache-stream-first", "10");
        hubs.Upstream.ReplyStream(["Streamed ", "then ", "stored."], new FakeUsage(7, 3));

        using var miss = await SendAsync(hubs.First, "cache-stream-first", Chat("Stream first.", stream: true));
        await miss.Content.ReadAsStringAsync();
        using var hit = await SendAsync(hubs.Second, "cache-stream-first", Chat("Stream first."));

        Assert.Equal(("miss", "hit"), (CacheHeader(miss), CacheHeader(hit)));
        Assert.Equal("Streamed then stored.", Content(await JsonAsync(hit)));
    }

    [Fact]
    public async Task A_bypass_neither_reads_nor_stores_and_says_so()
    {
        await hubs.GrantAsync("cache-bypass", "10");
        hubs.Upstream.Reply("Fresh every time.", new FakeUsage(5, 3));
        var body = Chat("Never cache me.");

        using var first = await SendAsync(hubs.First, "cache-bypass", body, directive: "bypass");
        using var second = await SendAsync(hubs.First, "cache-bypass", body);

        Assert.Equal(("bypass", "miss"), (CacheHeader(first), CacheHeader(second)));
        Assert.Equal("bypass", (await RecordAsync(first)).GetProperty("cache").GetString());
    }

    [Fact]
    public async Task A_request_that_does_not_ask_for_the_cache_is_not_cached()
    {
        await hubs.GrantAsync("cache-off", "10");
        hubs.Upstream.Reply("Uncached.", new FakeUsage(5, 3));
        var body = Chat("Nobody asked.");

        using var first = await SendAsync(hubs.First, "cache-off", body, directive: null);
        var upstreamCalls = hubs.Upstream.RequestCount;
        using var second = await SendAsync(hubs.First, "cache-off", body, directive: null);

        Assert.False(second.Headers.Contains("x-aignehub-cache"));
        Assert.Equal(upstreamCalls + 1, hubs.Upstream.RequestCount);
        Assert.False((await RecordAsync(second)).TryGetProperty("cache", out _));
    }

    private static object Chat(string prompt, bool stream = false) => stream
        ? new { model = Model, temperature = 0, stream = true, stream_options = new { include_usage = true }, messages = new[] { new { role = "user", content = prompt } } }
        : new { model = Model, temperature = 0, messages = new[] { new { role = "user", content = prompt } } };

    private static async Task<HttpResponseMessage> SendAsync(HttpClient hub, string user, object body, string? app = null, int? ttlSeconds = null, string? directive = "use")
    {
        using var request = BillingFixture.As(user, HttpMethod.Post, "/v1/chat/completions", body);
        if (directive is not null)
        {
            request.Headers.Add("x-aignehub-cache", directive);
        }

        if (app is not null)
        {
            request.Headers.Add(CacheFixture.AppHeader, app);
        }

        if (ttlSeconds is { } ttl)
        {
            request.Headers.Add("x-aignehub-cache-ttl", ttl.ToString(CultureInfo.InvariantCulture));
        }

        var response = await hub.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return response;
    }

    private static string CacheHeader(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-aignehub-cache", out var values) ? values.Single() : "(none)";

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static string? Content(JsonElement completion) =>
        completion.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();

    private async Task<decimal> BalanceAsync(string user)
    {
        using var response = await hubs.First.SendAsync(BillingFixture.As(user, HttpMethod.Get, "/api/user/credit/balance"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return decimal.Parse(document.RootElement.GetProperty("balance").GetProperty("balance").GetString()!, CultureInfo.InvariantCulture);
    }

    private async Task<JsonElement> RecordAsync(HttpResponseMessage response)
    {
        var requestId = response.Headers.GetValues("x-request-id").Single();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            foreach (var hub in new[] { hubs.First, hubs.Second })
            {
                using var document = JsonDocument.Parse(await hub.GetStringAsync("/api/usage/calls?limit=500"));
                foreach (var call in document.RootElement.GetProperty("calls").EnumerateArray())
                {
                    if (call.GetProperty("request_id").GetString() == requestId)
                    {
                        return call.Clone();
                    }
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"No call record for request {requestId} within 10 s.");
            await Task.Delay(50);
        }
    }
}
