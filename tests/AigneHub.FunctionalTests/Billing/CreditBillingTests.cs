using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.TestUpstreams;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>Credits mode through the whole host: refusals before any provider call, exact charges, the user's ledger.</summary>
[Collection(BillingCollection.Name)]
public sealed class CreditBillingTests(BillingFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "Say hello" }];

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private async Task<JsonElement> BalanceOf(string user)
    {
        using var response = await hub.Rest.SendAsync(BillingFixture.As(user, HttpMethod.Get, "/api/user/credit/balance"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonOf(response)).GetProperty("balance");
    }

    [Fact]
    public async Task A_user_without_credits_gets_402_in_openais_envelope_before_any_provider_call()
    {
        hub.Upstream.Reset();
        var before = hub.Upstream.RequestCount;

        using var response = await hub.Rest.SendAsync(BillingFixture.As("broke-rest", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-mini", messages = Hello }));
        using var streamed = await hub.Rest.SendAsync(BillingFixture.As("broke-rest", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-mini", messages = Hello, stream = true }));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        Assert.Equal(HttpStatusCode.PaymentRequired, streamed.StatusCode);
        var error = (await JsonOf(response)).GetProperty("error");
        Assert.Equal("insufficient_quota", error.GetProperty("type").GetString());
        Assert.Equal("insufficient_quota", error.GetProperty("code").GetString());
        Assert.Contains(BillingFixture.PaymentLink, error.GetProperty("message").GetString());
        Assert.Equal("insufficient_quota", (await JsonOf(streamed)).GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(before, hub.Upstream.RequestCount);
    }

    [Fact]
    public async Task Repeated_calls_of_a_user_with_0_credits_answer_the_same_402_keep_no_budget_reservation_and_a_top_up_admits_the_next_call()
    {
        hub.Upstream.Reset();
        await hub.RegisterAsync("broke-again");
        using (var budget = await hub.Rest.PostAsJsonAsync("/api/admin/budgets", new { scope = "user", subject_id = "broke-again", limit_usd = "1", period = "day" }))
        {
            Assert.True(budget.IsSuccessStatusCode, await budget.Content.ReadAsStringAsync());
        }

        var before = hub.Upstream.RequestCount;
        async Task<(HttpStatusCode Status, string Body)> CallAsync()
        {
            using var response = await hub.Rest.SendAsync(BillingFixture.As("broke-again", HttpMethod.Post, "/v1/chat/completions",
                new { model = "openai/gpt-4o-mini", messages = Hello }));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        // The first refusal is the ledger writer's; the later ones are refused at once from a read of the account.
        var first = await CallAsync();
        var again = await CallAsync();
        var third = await CallAsync();

        Assert.Equal(HttpStatusCode.PaymentRequired, first.Status);
        Assert.Equal("insufficient_quota", JsonDocument.Parse(first.Body).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(first, again);
        Assert.Equal(first, third);
        Assert.Equal(before, hub.Upstream.RequestCount);
        using (var budgets = await hub.Rest.SendAsync(BillingFixture.As("broke-again", HttpMethod.Get, "/api/budgets")))
        {
            var mine = (await JsonOf(budgets)).GetProperty("budgets").EnumerateArray().Single(b => b.GetProperty("id").GetString() == "user:broke-again");
            Assert.Equal(("0", "0"), (mine.GetProperty("reserved_usd").GetString(), mine.GetProperty("spent_usd").GetString()));
        }

        await hub.GrantAsync("broke-again", "10");
        Assert.Equal(HttpStatusCode.OK, (await CallAsync()).Status);
    }

    [Fact]
    public async Task A_user_without_credits_gets_402_NOT_ENOUGH_with_the_payment_link_on_the_aigne_route()
    {
        hub.Upstream.Reset();
        var before = hub.Upstream.RequestCount;

        using var response = await hub.Rest.SendAsync(BillingFixture.As("broke-aigne", HttpMethod.Post, "/api/v2/chat",
            new { input = new { messages = Hello, modelOptions = new { model = "openai/gpt-4o-mini" } } }));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        var error = (await JsonOf(response)).GetProperty("error");
        Assert.Equal("NOT_ENOUGH", error.GetProperty("type").GetString());
        Assert.Equal(BillingFixture.PaymentLink, error.GetProperty("link").GetString());
        Assert.True(DateTimeOffset.TryParse(error.GetProperty("timestamp").GetString(), out _));
        Assert.Equal(before, hub.Upstream.RequestCount);
    }

    [Fact]
    public async Task User_info_shows_the_balance_payment_link_and_prefix_in_credits_mode()
    {
        using var response = await hub.Rest.SendAsync(BillingFixture.As("info-user", HttpMethod.Get, "/api/user/info", null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var root = await JsonOf(response);
        Assert.Equal("info-user", root.GetProperty("user").GetProperty("did").GetString());
        Assert.True(root.GetProperty("enableCredit").GetBoolean());
        Assert.Equal("0", root.GetProperty("creditBalance").GetProperty("balance").GetString());
        Assert.Equal(BillingFixture.PaymentLink, root.GetProperty("paymentLink").GetString());
        Assert.Equal("$", root.GetProperty("creditPrefix").GetString());
    }

    [Fact]
    public async Task User_info_and_the_model_catalogue_over_grpc_show_credits_and_rates_as_decimal_strings()
    {
        await hub.GrantAsync("grpc-info-user", "12.5");
        var client = new Hub.HubClient(hub.Grpc);

        var info = await client.GetUserInfoAsync(new GetUserInfoRequest(), new Metadata { { BillingFixture.UserHeader, "grpc-info-user" } });
        var rates = await new BillingAdmin.BillingAdminClient(hub.Grpc).ListModelRatesAsync(new ListModelRatesRequest());
        var catalogue = await client.ListModelCatalogueAsync(new ListModelCatalogueRequest { Type = "chat" });

        Assert.Equal(("grpc-info-user", "member"), (info.User.Did, info.User.Role));
        Assert.True(info.EnableCredit);
        Assert.Equal(("12.5", "12.5", "0"), (info.CreditBalance.Balance, info.CreditBalance.Total, info.CreditBalance.PendingCredit));
        Assert.Equal(BillingFixture.PaymentLink, info.PaymentLink);
        Assert.Equal("$", info.CreditPrefix);
        var rate = rates.Rates.Single(r => r.Type == "chat" && r.Provider == "openai" && r.Model == "gpt-4o-mini");
        var model = catalogue.Models.Single(m => m.Provider == "openai" && m.Model == "gpt-4o-mini");
        Assert.Equal((rate.InputRate, rate.OutputRate), (model.InputCreditsPerToken, model.OutputCreditsPerToken));
        Assert.NotEqual("0", model.InputCreditsPerToken);
        Assert.Equal("OpenAI", model.ProviderDisplayName);
    }

    [Fact]
    public async Task The_aigne_route_answers_the_credits_charged_with_the_currency_prefix()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("Hello there!", new FakeUsage(9, 3));
        await hub.GrantAsync("aigne-payer", "100");

        using var response = await hub.Rest.SendAsync(BillingFixture.As("aigne-payer", HttpMethod.Post, "/api/v2/chat",
            new { input = new { messages = Hello, modelOptions = new { model = "openai/gpt-4o-mini", maxTokens = 50 } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = (await JsonOf(response)).GetProperty("usage");

        // 9 prompt tokens × 0.01 + 3 completion tokens × 0.1 = 0.39 credits.
        Assert.Equal(0.39m, usage.GetProperty("aigneHubCredits").GetDecimal());
        Assert.Equal("$", usage.GetProperty("creditPrefix").GetString());
        Assert.Equal((9, 3), (usage.GetProperty("inputTokens").GetInt32(), usage.GetProperty("outputTokens").GetInt32()));
    }

    [Fact]
    public async Task The_streamed_aigne_route_ends_with_the_credits_charged_and_the_openai_stream_shows_none()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("Hello there!", new FakeUsage(9, 3));
        await hub.GrantAsync("aigne-streamer", "100");

        using var response = await hub.Rest.SendAsync(BillingFixture.As("aigne-streamer", HttpMethod.Post, "/api/v2/chat",
            new { input = new { messages = Hello, modelOptions = new { model = "openai/gpt-4o-mini", maxTokens = 50 } }, options = new { streaming = true } }));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var last = JsonDocument.Parse(events[^1]["data: ".Length..]).RootElement;
        var usage = last.GetProperty("delta").GetProperty("json").GetProperty("usage");
        Assert.Equal(0.39m, usage.GetProperty("aigneHubCredits").GetDecimal());
        Assert.Equal("$", usage.GetProperty("creditPrefix").GetString());
        Assert.Equal("Hello there!", string.Concat(events.SkipLast(1).Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement.GetProperty("delta").GetProperty("text").GetProperty("text").GetString())));

        // The OpenAI stream of a charged call has no extra chunk for the receipt.
        using var openai = await hub.Rest.SendAsync(BillingFixture.As("aigne-streamer", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-mini", messages = Hello, stream = true }));
        var chunks = (await openai.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", chunks[^1]);
        Assert.All(chunks.SkipLast(1), c => Assert.DoesNotContain("aigneHubCredits", c, StringComparison.Ordinal));
        Assert.Contains("\"finish_reason\":\"stop\"", chunks[^2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_without_credits_gets_resource_exhausted_over_grpc_before_any_provider_call()
    {
        hub.Upstream.Reset();
        var before = hub.Upstream.RequestCount;
        var client = new Inference.InferenceClient(hub.Grpc);
        var request = new CreateChatCompletionRequest { Model = "openai/gpt-4o-mini" };
        request.Messages.Add(new ChatMessage { Role = "user", Content = Google.Protobuf.WellKnownTypes.Value.ForString("Say hello") });

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CreateChatCompletionAsync(request, new Metadata { { BillingFixture.UserHeader, "broke-grpc" } }));

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.StartsWith("Not enough credits", error.Status.Detail);
        Assert.Equal(before, hub.Upstream.RequestCount);
    }

    [Fact]
    public async Task A_model_without_a_rate_is_refused_with_400_before_any_provider_call()
    {
        hub.Upstream.Reset();
        await hub.GrantAsync("has-credits", "100");
        var before = hub.Upstream.RequestCount;

        using var response = await hub.Rest.SendAsync(BillingFixture.As("has-credits", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o", messages = Hello }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await JsonOf(response)).GetProperty("error");
        Assert.Equal("model", error.GetProperty("param").GetString());
        Assert.Contains("has no rate", error.GetProperty("message").GetString());
        Assert.Equal(before, hub.Upstream.RequestCount);
    }

    [Fact]
    public async Task A_call_without_a_caller_is_refused_with_401()
    {
        using var response = await hub.Rest.SendAsync(BillingFixture.As(BillingFixture.Nobody, HttpMethod.Post, "/v1/chat/completions", new { model = "openai/gpt-4o-mini", messages = Hello }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", (await JsonOf(response)).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_served_call_is_charged_its_exact_cost_and_shows_on_the_users_ledger()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("Hello there!", new FakeUsage(9, 3));
        await hub.GrantAsync("payer", "100");

        using var response = await hub.Rest.SendAsync(BillingFixture.As("payer", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-mini", messages = Hello, max_tokens = 50 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var balance = await BalanceOf("payer");

        // 9 prompt tokens × 0.01 + 3 completion tokens × 0.1 = 0.39 credits.
        Assert.Equal(99.61m, decimal.Parse(balance.GetProperty("available").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0", balance.GetProperty("held").GetString());
        Assert.Equal("0.39", balance.GetProperty("total_spent").GetString());

        using var ledger = await hub.Rest.SendAsync(BillingFixture.As("payer", HttpMethod.Get, "/api/user/credit/transactions?limit=2"));
        var transactions = (await JsonOf(ledger)).GetProperty("transactions");
        Assert.Equal("captured", transactions[0].GetProperty("kind").GetString());
        Assert.Equal("-0.39", transactions[0].GetProperty("balance_change").GetString());
        Assert.Equal("rate:chat:openai/gpt-4o-mini", transactions[0].GetProperty("rate_id").GetString());
        Assert.Equal(1, transactions[0].GetProperty("rate_version").GetInt32());
        Assert.Equal("held", transactions[1].GetProperty("kind").GetString());

        // The call record carries the charge, the dollar cost (9 × $0.00000015 + 3 × $0.0000006) and the rate version.
        var record = await CallRecordAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal(("payer", "0.39", "0.00000315", 1),
            (record.GetProperty("user_id").GetString(), record.GetProperty("credits_charged").GetString(), record.GetProperty("cost_usd").GetString(),
             record.GetProperty("rate_version").GetInt32()));
    }

    private async Task<JsonElement> CallRecordAsync(string requestId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var document = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/usage/calls?limit=500"));
            foreach (var call in document.RootElement.GetProperty("calls").EnumerateArray())
            {
                if (call.GetProperty("request_id").GetString() == requestId)
                {
                    return call.Clone();
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"No call record for request {requestId} within 10 s.");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_failed_upstream_call_is_released_in_full()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(500, "boom");
        await hub.GrantAsync("unlucky", "10");

        using var response = await hub.Rest.SendAsync(BillingFixture.As("unlucky", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-mini", messages = Hello, max_tokens = 20 }));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var balance = await BalanceOf("unlucky");
        Assert.Equal(("10", "0", "0"), (balance.GetProperty("available").GetString(), balance.GetProperty("held").GetString(), balance.GetProperty("total_spent").GetString()));
    }

    [Fact]
    public async Task A_streamed_call_abandoned_half_way_is_charged_for_what_was_produced()
    {
        hub.Upstream.Reset();
        hub.Upstream.StallStream(" one", " two", " three", " four", " five");
        await hub.GrantAsync("walker", "100");

        using (var request = BillingFixture.As("walker", HttpMethod.Post, "/v1/chat/completions",
            new { model = "openai/gpt-4o-mini", messages = new object[] { new { role = "user", content = "abcdefgh" } }, stream = true, max_tokens = 50 }))
        {
            var response = await hub.Rest.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var seen = string.Empty;
            while (!seen.Contains("five", StringComparison.Ordinal))
            {
                seen += await reader.ReadLineAsync() + "\n";
            }

            // Walk away while the provider is still "generating".
            response.Dispose();
        }

        var aborted = await Task.WhenAny(hub.Upstream.ClientAborted, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(hub.Upstream.ClientAborted, aborted);

        // Five content updates = 5 completion tokens × 0.1; the prompt (never reported) at the bound its hold was sized
        // with: o200k's count of "abcdefgh" plus the framing margins of one message (8) and one call (16), × 0.01.
        var prompt = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("o200k_base").CountTokens("abcdefgh") + 8 + 16;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonElement balance;
        do
        {
            await Task.Delay(50);
            balance = await BalanceOf("walker");
        }
        while (balance.GetProperty("held").GetString() != "0" && DateTime.UtcNow < deadline);

        Assert.Equal((prompt * 0.01m) + 0.5m, decimal.Parse(balance.GetProperty("total_spent").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("0", balance.GetProperty("held").GetString());
    }

    [Fact]
    public async Task Changing_settings_with_a_stale_version_is_a_conflict()
    {
        using var response = await hub.Rest.PutAsJsonAsync("/api/admin/billing/settings", new
        {
            expected_version = 0,
            mode = "credits",
            base_credit_price = "1",
            profit_margin_percent = "5",
            currency_prefix = "$",
            new_user_grant = "0",
            default_hold_tokens = 100,
        });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }
}
