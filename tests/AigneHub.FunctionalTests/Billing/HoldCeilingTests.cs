using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>
/// The hold is the most a call can cost: whatever the prompt's script, the answer's length or the number of calls at
/// once, an account never buys more service than it has credits, and nothing goes uncollected.
/// </summary>
[Collection(BillingCollection.Name)]
public sealed class HoldCeilingTests(BillingFixture hub)
{
    private static readonly Tokenizer O200k = TiktokenTokenizer.CreateForEncoding("o200k_base");

    private static decimal Number(JsonElement element) => decimal.Parse(element.GetString()!, CultureInfo.InvariantCulture);

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private async Task PriceAsync(string model, string input, string output)
    {
        using var response = await hub.Rest.PutAsJsonAsync("/api/admin/rates", new { type = "chat", provider = "openai", model, input_rate = input, output_rate = output });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The account as an operator sees it, once no call holds anything any more.</summary>
    private async Task<JsonElement> SettledAccountAsync(string user)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var response = await hub.Rest.GetAsync($"/api/admin/credits/{user}");
            var balance = (await JsonOf(response)).GetProperty("balance");
            if (Number(balance.GetProperty("held")) == 0m || DateTime.UtcNow > deadline)
            {
                return balance;
            }

            await Task.Delay(50);
        }
    }

    private static decimal Cost(JsonElement usage, decimal input, decimal output) =>
        (usage.GetProperty("prompt_tokens").GetInt32() * input) + (usage.GetProperty("completion_tokens").GetInt32() * output);

    [Fact]
    public async Task A_cjk_prompt_with_10_credits_buys_no_more_than_10_credits_of_service()
    {
        // An upstream that counts as OpenAI does (o200k, 3 tokens per message) and stops at the max_tokens it is sent.
        hub.Upstream.Reset();
        hub.Upstream.Tokenizer = O200k;
        hub.Upstream.HonoursMaxTokens = true;
        await PriceAsync("gpt-4.1-mini", "0.004", "0.01");
        await hub.GrantAsync("cjk-writer", "10");
        var prompt = string.Concat(Enumerable.Repeat("人工智能正在改变我们的生活方式，从医疗诊断到自动驾驶，从语言翻译到艺术创作，无处不在。", 40));

        // No max_tokens, and an answer (the echo of the prompt) far longer than the 100 tokens a call holds by default.
        using var response = await hub.Rest.SendAsync(BillingFixture.As("cjk-writer", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4.1-mini", messages = new object[] { new { role = "user", content = prompt } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = Cost((await JsonOf(response)).GetProperty("usage"), 0.004m, 0.01m);
        var account = await SettledAccountAsync("cjk-writer");
        Assert.True(served <= 10m, $"10 credits bought {served} credits of service");
        Assert.Equal(served, Number(account.GetProperty("total_spent")));
        Assert.Equal("0", account.GetProperty("total_uncollected").GetString());
    }

    [Fact]
    public async Task A_call_without_max_tokens_sends_the_upstream_the_max_tokens_its_hold_pays_for()
    {
        hub.Upstream.Reset();
        hub.Upstream.HonoursMaxTokens = true;
        hub.Upstream.ReplyStream([.. Enumerable.Repeat(" word", 6000)]);
        await PriceAsync("gpt-4.1", "0.001", "0.01");
        await hub.GrantAsync("long-answer", "150");

        using var response = await hub.Rest.SendAsync(BillingFixture.As("long-answer", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4.1", messages = new object[] { new { role = "user", content = "Write a very long story." } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sent = hub.Upstream.LastRequest.Json();
        var (held, charged) = await HeldAndChargedAsync("long-answer");

        // The settings hold 100 output tokens for a call that names none; the upstream is told so, and stops there.
        Assert.Equal(100, sent.RootElement.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal("length", (await JsonOf(response)).GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.True(charged <= held, $"charged {charged} for a hold of {held}");
        Assert.True(held >= 100 * 0.01m);
    }

    [Fact]
    public async Task A_balance_too_short_for_the_callers_max_tokens_lowers_what_the_upstream_may_produce()
    {
        hub.Upstream.Reset();
        hub.Upstream.HonoursMaxTokens = true;
        hub.Upstream.ReplyStream([.. Enumerable.Repeat(" word", 6000)]);
        await PriceAsync("gpt-4.1", "0.001", "0.01");
        await hub.GrantAsync("short-balance", "3");

        using var response = await hub.Rest.SendAsync(BillingFixture.As("short-balance", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4.1", messages = new object[] { new { role = "user", content = "Write a very long story." } }, max_tokens = 5000 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sent = hub.Upstream.LastRequest.Json();
        var allowed = sent.RootElement.GetProperty("max_completion_tokens").GetInt32();
        var (held, charged) = await HeldAndChargedAsync("short-balance");
        var account = await SettledAccountAsync("short-balance");

        // 3 credits pay for the prompt and fewer than 300 output tokens at 0.01; every credit of it may be held.
        Assert.InRange(allowed, 250, 299);
        Assert.True(held <= 3m && held + 0.01m > 3m, $"held {held}");
        Assert.True(charged <= held);
        Assert.Equal("0", account.GetProperty("total_uncollected").GetString());
    }

    [Fact]
    public async Task A_call_that_cannot_pay_for_its_prompt_and_one_output_token_is_refused_before_any_provider_call()
    {
        hub.Upstream.Reset();
        await PriceAsync("gpt-4.1", "0.001", "0.01");
        await hub.GrantAsync("almost-broke", "0.01");
        var before = hub.Upstream.RequestCount;

        using var response = await hub.Rest.SendAsync(BillingFixture.As("almost-broke", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4.1", messages = new object[] { new { role = "user", content = "Hello there, how are you today?" } } }));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Contains("its prompt and one output token", (await JsonOf(response)).GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(before, hub.Upstream.RequestCount);
    }

    [Fact]
    public async Task Forty_concurrent_streams_never_spend_more_than_the_balance_in_total()
    {
        hub.Upstream.Reset();
        hub.Upstream.HonoursMaxTokens = true;
        await PriceAsync("gpt-4.1-nano", "0.0001", "0.002");
        await hub.GrantAsync("crowd", "5");
        var words = string.Join(' ', Enumerable.Range(0, 150).Select(i => $"word{i}"));

        // Each echo of 150 words would cost 0.015 + 152 × 0.002 = 0.319 credits: 40 of them, 12.76.
        var streams = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var response = await hub.Rest.SendAsync(BillingFixture.As("crowd", HttpMethod.Post, "/v1/chat/completions", new
            {
                model = "openai/gpt-4.1-nano",
                messages = new object[] { new { role = "user", content = words } },
                stream = true,
                stream_options = new { include_usage = true },
            }));
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, body);
        }));

        var served = streams.Where(s => s.StatusCode == HttpStatusCode.OK).ToArray();
        Assert.All(streams, s => Assert.True(s.StatusCode is HttpStatusCode.OK or HttpStatusCode.PaymentRequired, $"{s.StatusCode}: {s.body}"));
        var service = served.Sum(s => Cost(UsageOf(s.body), 0.0001m, 0.002m));
        var account = await SettledAccountAsync("crowd");
        Assert.NotEmpty(served);
        Assert.True(service <= 5m, $"5 credits bought {service} credits of service over {served.Length} streams");
        Assert.Equal(service, Number(account.GetProperty("total_spent")));
        Assert.True(Number(account.GetProperty("available")) >= 0m);
        Assert.Equal("0", account.GetProperty("total_uncollected").GetString());
    }

    [Fact]
    public async Task A_stream_whose_usage_would_pass_its_hold_is_ended_with_length_and_charged_at_most_the_hold()
    {
        // An upstream that ignores max_tokens: it streams 50 pieces where the hold pays for 10.
        hub.Upstream.Reset();
        hub.Upstream.ReplyStream([.. Enumerable.Range(0, 50).Select(i => $" w{i}")], new TestUpstreams.FakeUsage(5, 50));
        await PriceAsync("gpt-4.1", "0.001", "0.01");
        await hub.GrantAsync("overrun", "100");

        using var response = await hub.Rest.SendAsync(BillingFixture.As("overrun", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4.1", messages = new object[] { new { role = "user", content = "Count." } }, max_tokens = 10, stream = true }));
        var chunks = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("data: [DONE]", chunks[^1]);
        var choices = chunks[..^1].Select(c => JsonDocument.Parse(c["data: ".Length..]).RootElement.GetProperty("choices")).Where(c => c.GetArrayLength() > 0).Select(c => c[0]).ToArray();
        var content = choices.Where(c => c.GetProperty("delta").TryGetProperty("content", out var text) && text.GetString() is { Length: > 0 }).ToArray();
        Assert.Equal(10, content.Length);
        Assert.Equal("length", choices[^1].GetProperty("finish_reason").GetString());
        var (held, charged) = await HeldAndChargedAsync("overrun");
        Assert.True(charged <= held, $"charged {charged} for a hold of {held}");
        Assert.Equal("0", (await SettledAccountAsync("overrun")).GetProperty("total_uncollected").GetString());
    }

    [Fact]
    public async Task A_model_that_costs_a_tenth_of_a_millionth_of_a_credit_per_token_is_not_served_for_free()
    {
        // $0.10 / $0.40 per million tokens at one credit = $1: rates below the ledger's millionth (refused, or priced
        // at 0 from unit costs, before rates kept 12 places). Each call's price is rounded up to a millionth.
        hub.Upstream.Reset();
        await PriceAsync("gpt-4.1-nano", "0.0000001", "0.0000004");
        await hub.GrantAsync("nano-user", "1");

        using var response = await hub.Rest.SendAsync(BillingFixture.As("nano-user", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4.1-nano", messages = new object[] { new { role = "user", content = "how much is a small call" } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = (await JsonOf(response)).GetProperty("usage");
        var exact = Cost(usage, 0.0000001m, 0.0000004m);
        var account = await SettledAccountAsync("nano-user");
        Assert.True(exact > 0m);
        Assert.Equal(Math.Round(exact, 6, MidpointRounding.ToPositiveInfinity), Number(account.GetProperty("total_spent")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_whose_upstream_reports_no_usage_still_pays_for_its_prompt_and_its_answer(bool stream)
    {
        // An OpenAI-compatible server that ignores include_usage: before, the prompt was free and a unary answer cost 0.
        hub.Upstream.Reset();
        hub.Upstream.ReportsUsage = false;
        hub.Upstream.ReplyStream(["a plain ", "answer ", "of a few ", "words"]);
        await PriceAsync("gpt-4o-nousage", "0.001", "0.002");
        var user = stream ? "no-usage-stream" : "no-usage-unary";
        await hub.GrantAsync(user, "100");

        using var response = await hub.Rest.SendAsync(BillingFixture.As(user, HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-nousage", stream, messages = new object[] { new { role = "user", content = "a prompt that costs something to read" } } }));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (held, charged) = await HeldAndChargedAsync(user);
        // The prompt at its bound (at least one token per four characters of the prompt) and the answer's four pieces
        // (streamed: one token a piece; whole: one token per four characters of its text), within the hold.
        Assert.True(charged >= (9 * 0.001m) + (4 * 0.002m), $"charged {charged}");
        Assert.True(charged <= held, $"charged {charged} of {held} held");
    }

    [Fact]
    public async Task A_call_asking_for_a_dearer_service_tier_is_refused_before_any_provider_is_asked()
    {
        hub.Upstream.Reset();
        await PriceAsync("gpt-4o-tiers", "0.001", "0.002");
        await hub.GrantAsync("tier-user", "100");
        var before = hub.Upstream.RequestCount;

        using var priority = await hub.Rest.SendAsync(BillingFixture.As("tier-user", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-tiers", service_tier = "priority", messages = new object[] { new { role = "user", content = "fast please" } } }));
        var refusal = await priority.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, priority.StatusCode);
        Assert.Contains("service_tier 'priority'", refusal, StringComparison.Ordinal);
        Assert.Equal(before, hub.Upstream.RequestCount);
        using var flex = await hub.Rest.SendAsync(BillingFixture.As("tier-user", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-tiers", service_tier = "flex", messages = new object[] { new { role = "user", content = "slow is fine" } } }));
        Assert.Equal(HttpStatusCode.OK, flex.StatusCode);
    }

    [Fact]
    public async Task The_audit_reports_no_uncollected_credits()
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/admin/credits:audit", new { });

        var report = await JsonOf(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0", report.GetProperty("total_uncollected").GetString());
        Assert.False(report.TryGetProperty("uncollected", out var accounts) && accounts.GetArrayLength() > 0, accounts.ToString());
    }

    /// <summary>The usage in a stream's last usage chunk.</summary>
    private static JsonElement UsageOf(string stream) => stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
        .Where(c => c.StartsWith("data: {", StringComparison.Ordinal))
        .Select(c => JsonDocument.Parse(c["data: ".Length..]).RootElement)
        .Last(c => c.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        .GetProperty("usage").Clone();

    /// <summary>The newest call's hold and what its capture charged, from the user's ledger.</summary>
    private async Task<(decimal Held, decimal Charged)> HeldAndChargedAsync(string user)
    {
        await SettledAccountAsync(user);
        using var response = await hub.Rest.SendAsync(BillingFixture.As(user, HttpMethod.Get, "/api/user/credit/transactions?limit=2"));
        var transactions = (await JsonOf(response)).GetProperty("transactions");
        Assert.Equal(("captured", "held"), (transactions[0].GetProperty("kind").GetString(), transactions[1].GetProperty("kind").GetString()));
        return (Number(transactions[1].GetProperty("held_change")), -Number(transactions[0].GetProperty("balance_change")));
    }
}
