using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using Grpc.Core;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>
/// Operators' grants and adjustments through the host: amounts the ledger cannot take, users the hub does not know,
/// idempotency keys, and the status a refusal for credits answers on every surface.
/// </summary>
[Collection(BillingCollection.Name)]
public sealed class CreditAdminTests(BillingFixture hub)
{
    private static readonly object[] Hello = [new { role = "user", content = "Say hello" }];

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private async Task<JsonElement> AccountOf(string user)
    {
        using var response = await hub.Rest.GetAsync($"/api/admin/credits/{user}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonOf(response)).GetProperty("balance");
    }

    [Fact]
    public async Task An_admin_grants_and_adjusts_the_credits_of_members_only_never_their_own_or_another_admins()
    {
        // Credits are what a user may spend: an admin giving themselves credits would lift their own limit.
        foreach (var (user, role) in new[] { ("credit-admin", "admin"), ("credit-admin-2", "admin"), ("credit-member", "member") })
        {
            using var created = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { user_id = user, display_name = user, role });
            Assert.True(created.IsSuccessStatusCode || created.StatusCode == HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());
        }

        using var key = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = "credit-admin", name = "operator", scopes = new[] { "admin:write", "admin:read" } });
        var keyText = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, keyText);
        using var asAdmin = AigneHub.Tests.Shared.TestAccess.RestClient(hub.Rest.BaseAddress!, (await JsonOf(key)).GetProperty("secret").GetString());

        using var self = await asAdmin.PostAsJsonAsync("/api/admin/credits/credit-admin:grant", new { amount = "1000" });
        using var selfAdjust = await asAdmin.PostAsJsonAsync("/api/admin/credits/credit-admin:adjust", new { amount = "1000", reason = "mine" });
        using var otherAdmin = await asAdmin.PostAsJsonAsync("/api/admin/credits/credit-admin-2:grant", new { amount = "10" });
        using var member = await asAdmin.PostAsJsonAsync("/api/admin/credits/credit-member:grant", new { amount = "10" });
        using var byOwner = await hub.Rest.PostAsJsonAsync("/api/admin/credits/credit-admin:grant", new { amount = "5" });

        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Contains("user_id", await self.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, selfAdjust.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherAdmin.StatusCode);
        Assert.True(member.IsSuccessStatusCode, await member.Content.ReadAsStringAsync());
        Assert.True(byOwner.IsSuccessStatusCode, await byOwner.Content.ReadAsStringAsync());
        Assert.Equal("5", (await AccountOf("credit-admin")).GetProperty("total_granted").GetString());
    }

    [Theory]
    [InlineData("grant", "-5")]
    [InlineData("grant", "0")]
    [InlineData("grant", "1.0000001")]
    [InlineData("grant", "79000000000000000000000000000")]
    [InlineData("grant", "7.9e28")]
    [InlineData("adjust", "0")]
    [InlineData("adjust", "1.0000001")]
    [InlineData("adjust", "79000000000000000000000000000")]
    [InlineData("adjust", "-79000000000000000000000000000")]
    public async Task A_bad_amount_on_an_operators_grant_or_adjustment_is_a_400_naming_the_amount(string action, string amount)
    {
        await hub.RegisterAsync("amount-checked");

        using var response = await hub.Rest.PostAsJsonAsync($"/api/admin/credits/amount-checked:{action}", new { amount, reason = "test" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = await JsonOf(response);
        Assert.Contains("amount", status.GetProperty("message").GetString());
        Assert.Equal("0", (await AccountOf("amount-checked")).GetProperty("total_granted").GetString());
    }

    [Fact]
    public async Task A_rate_too_large_to_price_a_call_is_refused_with_400()
    {
        using var response = await hub.Rest.PutAsJsonAsync("/api/admin/rates", new
        {
            type = "chat", provider = "openai", model = "too-dear", input_rate = "79000000000000000000000000000", output_rate = "1",
        });
        using var fromCost = await hub.Rest.PostAsJsonAsync("/api/admin/rates:fromUnitCost", new
        {
            type = "chat", provider = "openai", model = "too-dear", unit_costs = new { input_usd = "79000000000000000000000000000", output_usd = "1" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("input_rate", (await JsonOf(response)).GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, fromCost.StatusCode);
        Assert.Contains("Unit costs", (await JsonOf(fromCost)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_grant_to_a_user_the_hub_does_not_know_is_refused_with_404_and_opens_no_account()
    {
        using var grant = await hub.Rest.PostAsJsonAsync("/api/admin/credits/never-registered:grant", new { amount = "10" });
        using var adjust = await hub.Rest.PostAsJsonAsync("/api/admin/credits/never-registered:adjust", new { amount = "10", reason = "typo" });

        Assert.Equal(HttpStatusCode.NotFound, grant.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, adjust.StatusCode);
        Assert.Contains("never-registered", (await JsonOf(grant)).GetProperty("message").GetString());
        using var transactions = await hub.Rest.GetAsync("/api/admin/credits/never-registered/transactions");
        Assert.Equal(0, (await JsonOf(transactions)).GetProperty("transactions").GetArrayLength());
    }

    [Fact]
    public async Task A_grant_with_an_idempotency_key_is_granted_once_and_the_key_cannot_carry_another_grant()
    {
        await hub.RegisterAsync("keyed-grantee");

        using var first = await hub.Rest.PostAsJsonAsync("/api/admin/credits/keyed-grantee:grant", new { amount = "12.5", idempotency_key = "refund-7" });
        using var retry = await hub.Rest.PostAsJsonAsync("/api/admin/credits/keyed-grantee:grant", new { amount = "12.5", idempotency_key = "refund-7" });
        using var other = await hub.Rest.PostAsJsonAsync("/api/admin/credits/keyed-grantee:grant", new { amount = "99", idempotency_key = "refund-7" });
        using var unkeyed = await hub.Rest.PostAsJsonAsync("/api/admin/credits/keyed-grantee:grant", new { amount = "1" });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.OK), (first.StatusCode, retry.StatusCode, other.StatusCode, unkeyed.StatusCode));
        Assert.True((await JsonOf(first)).GetProperty("granted").GetBoolean());
        Assert.False((await JsonOf(retry)).GetProperty("granted").GetBoolean());
        Assert.Contains("refund-7", (await JsonOf(other)).GetProperty("message").GetString());
        Assert.Equal("13.5", (await AccountOf("keyed-grantee")).GetProperty("total_granted").GetString());
    }

    [Fact]
    public async Task Removing_more_than_is_available_answers_402_and_resource_exhausted_over_grpc_with_the_same_message()
    {
        await hub.GrantAsync("small-balance", "1");

        using var rest = await hub.Rest.PostAsJsonAsync("/api/admin/credits/small-balance:adjust", new { amount = "-5", reason = "chargeback" });
        var grpc = await Assert.ThrowsAsync<RpcException>(() => new CreditAdmin.CreditAdminClient(hub.Grpc)
            .AdjustCreditsAsync(new AdjustCreditsRequest { UserId = "small-balance", Amount = "-5", Reason = "chargeback" }).ResponseAsync);

        Assert.Equal(HttpStatusCode.PaymentRequired, rest.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        Assert.Equal(grpc.Status.Detail, (await JsonOf(rest)).GetProperty("message").GetString());
        Assert.Equal("1", (await AccountOf("small-balance")).GetProperty("available").GetString());
    }

    [Fact]
    public async Task A_stream_refused_for_credits_answers_402_on_the_inference_route_and_resource_exhausted_over_grpc()
    {
        hub.Upstream.Reset();
        var before = hub.Upstream.RequestCount;

        using var rest = await hub.Rest.SendAsync(BillingFixture.As("broke-streamer", HttpMethod.Post, "/api/inference/chat/completions:stream",
            new { model = "openai/gpt-4o-mini", messages = Hello }));
        using var call = new Inference.InferenceClient(hub.Grpc).StreamChatCompletion(
            new CreateChatCompletionRequest { Model = "openai/gpt-4o-mini", Messages = { new ChatMessage { Role = "user", Content = Google.Protobuf.WellKnownTypes.Value.ForString("Say hello") } } },
            new Metadata { { BillingFixture.UserHeader, "broke-streamer" } });
        var grpc = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());

        Assert.Equal(HttpStatusCode.PaymentRequired, rest.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        var message = (await JsonOf(rest)).GetProperty("message").GetString();
        Assert.Equal(grpc.Status.Detail, message);
        Assert.Contains(BillingFixture.PaymentLink, message);
        Assert.Equal(before, hub.Upstream.RequestCount);
    }
}
