using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AigneHub.Domain.Access;
using AigneHub.Tests.Shared;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Budgets;

/// <summary>
/// Spend budgets through the whole hub in enterprise mode (no credits): a key's budget admits calls while it lasts,
/// tells the caller what is left in headers, refuses with 402 budget_exceeded before the provider is called, and is
/// visible through the API.
/// </summary>
[Collection(HubCollection.Name)]
public sealed class SpendBudgetTests(HubFixture hub)
{
    private const string Model = "openai/budget-probe";

    private static readonly object[] Hello = [new { role = "user", content = "hello" }];

    [Fact]
    public async Task In_enterprise_mode_a_keys_budget_admits_calls_until_spent_then_refuses_402_before_the_provider_is_called()
    {
        hub.Upstream.Reset();
        hub.Upstream.Reply("ok", new FakeUsage(10, 10));
        using var rate = await hub.Rest.PostAsJsonAsync("/api/admin/rates:fromUnitCost", new
        {
            type = "chat", provider = "openai", model = "budget-probe", unit_costs = new { input_usd = "0.0001", output_usd = "0.0001" },
        });
        Assert.True(rate.IsSuccessStatusCode, await rate.Content.ReadAsStringAsync());
        var (keyId, secret) = await KeyAsync();
        using var set = await hub.Rest.PostAsJsonAsync("/api/admin/budgets", new { scope = "key", subject_id = keyId, limit_usd = "0.01", period = "hour" });
        Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
        using var client = TestAccess.RestClient(hub.RestUri, secret);

        var admitted = 0;
        HttpResponseMessage refused;
        while (true)
        {
            var response = await client.PostAsJsonAsync("/v1/chat/completions", new { model = Model, messages = Hello, max_tokens = 10 });
            if (response.StatusCode != HttpStatusCode.OK)
            {
                refused = response;
                break;
            }

            Assert.True(response.Headers.Contains("x-aignehub-budget-remaining"));
            Assert.True(response.Headers.Contains("x-aignehub-budget-reset"));
            response.Dispose();
            Assert.True(++admitted <= 10, "The budget never refused a call.");
        }

        using (refused)
        {
            var requestsBefore = hub.Upstream.Requests.Count;
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
            using var error = JsonDocument.Parse(body);
            Assert.Equal("budget_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.True(refused.Headers.Contains("x-aignehub-budget-reset"), body);
            Assert.True(admitted >= 1, body);
            Assert.Equal(requestsBefore, hub.Upstream.Requests.Count);
        }

        using var mine = JsonDocument.Parse(await client.GetStringAsync("/api/budgets"));
        var budget = mine.RootElement.GetProperty("budgets").EnumerateArray().Single(b => b.GetProperty("id").GetString() == $"key:{keyId}");
        var spent = decimal.Parse(budget.GetProperty("spent_usd").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(spent, 0.002m * admitted, 0.01m);
        Assert.Equal("0", budget.GetProperty("reserved_usd").GetString());
        Assert.True(budget.TryGetProperty("resets_at", out _));
    }

    [Fact]
    public async Task A_member_cannot_set_budgets_and_a_budget_needs_a_subject_that_exists()
    {
        var (_, secret) = await KeyAsync();
        using var member = TestAccess.RestClient(hub.RestUri, secret);

        using var forbidden = await member.PostAsJsonAsync("/api/admin/budgets", new { scope = "hub", limit_usd = "1", period = "day" });
        using var unknown = await hub.Rest.PostAsJsonAsync("/api/admin/budgets", new { scope = "user", subject_id = "nobody-here", limit_usd = "1", period = "day" });
        using var badPeriod = await hub.Rest.PostAsJsonAsync("/api/admin/budgets", new { scope = "hub", limit_usd = "1", period = "fortnight" });

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod.StatusCode);
    }

    [Fact]
    public async Task An_admin_cannot_lift_a_budget_the_owner_put_on_them_and_limits_only_members()
    {
        // The owner limits an admin's spending; the admin (with an admin:write key) must not be able to lift it, nor
        // limit another admin; members they may limit, as the delegation rule lets them act on members only.
        var (admin, other, member) = (await UserAsync("admin"), await UserAsync("admin"), await UserAsync("member"));
        using var adminKey = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = admin, name = "admin key", scopes = new[] { KeyScopes.AdminWrite, KeyScopes.Inference } });
        var adminKeyText = await adminKey.Content.ReadAsStringAsync();
        Assert.True(adminKey.IsSuccessStatusCode, adminKeyText);
        using var asAdmin = TestAccess.RestClient(hub.RestUri, JsonDocument.Parse(adminKeyText).RootElement.GetProperty("secret").GetString());
        using var limit = await hub.Rest.PostAsJsonAsync("/api/admin/budgets", new { scope = "user", subject_id = admin, limit_usd = "1", period = "day" });
        Assert.True(limit.IsSuccessStatusCode, await limit.Content.ReadAsStringAsync());

        using var deleted = await asAdmin.DeleteAsync($"/api/admin/budgets/{Uri.EscapeDataString("user:" + admin)}");
        using var raised = await asAdmin.PostAsJsonAsync("/api/admin/budgets", new { scope = "user", subject_id = admin, limit_usd = "1000", period = "day" });
        using var otherAdmin = await asAdmin.PostAsJsonAsync("/api/admin/budgets", new { scope = "user", subject_id = other, limit_usd = "1", period = "day" });
        using var ofMember = await asAdmin.PostAsJsonAsync("/api/admin/budgets", new { scope = "user", subject_id = member, limit_usd = "5", period = "day" });

        Assert.Equal(HttpStatusCode.Forbidden, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, raised.StatusCode);
        Assert.Contains("subject_id", await raised.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, otherAdmin.StatusCode);
        Assert.True(ofMember.IsSuccessStatusCode, await ofMember.Content.ReadAsStringAsync());
        using var budgets = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/admin/budgets"));
        var own = Assert.Single(budgets.RootElement.GetProperty("budgets").EnumerateArray(), b => b.GetProperty("subject_id").GetString() == admin);
        Assert.Equal(1m, decimal.Parse(own.GetProperty("limit_usd").GetString()!, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Only_an_owner_sets_changes_or_deletes_the_hubs_budget_which_limits_admins_too()
    {
        // The hub's budget limits every call, an admin's own included: an admin who could raise or delete it would lift
        // a limit the owner put on them, as with a budget on their own user.
        var admin = await UserAsync("admin");
        using var adminKey = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = admin, name = "admin key", scopes = new[] { KeyScopes.AdminWrite, KeyScopes.Inference } });
        var adminKeyText = await adminKey.Content.ReadAsStringAsync();
        Assert.True(adminKey.IsSuccessStatusCode, adminKeyText);
        using var asAdmin = TestAccess.RestClient(hub.RestUri, JsonDocument.Parse(adminKeyText).RootElement.GetProperty("secret").GetString());
        using var limit = await hub.Rest.PostAsJsonAsync("/api/admin/budgets", new { scope = "hub", limit_usd = "1000000", period = "none" });
        Assert.True(limit.IsSuccessStatusCode, await limit.Content.ReadAsStringAsync());
        try
        {
            using var raised = await asAdmin.PostAsJsonAsync("/api/admin/budgets", new { scope = "hub", limit_usd = "2000000", period = "none" });
            using var deleted = await asAdmin.DeleteAsync("/api/admin/budgets/hub");

            Assert.Equal(HttpStatusCode.Forbidden, raised.StatusCode);
            Assert.Contains("scope", await raised.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Forbidden, deleted.StatusCode);
            using var budgets = JsonDocument.Parse(await hub.Rest.GetStringAsync("/api/admin/budgets"));
            var hubBudget = Assert.Single(budgets.RootElement.GetProperty("budgets").EnumerateArray(), b => b.GetProperty("scope").GetString() == "hub");
            Assert.Equal(1000000m, decimal.Parse(hubBudget.GetProperty("limit_usd").GetString()!, CultureInfo.InvariantCulture));
        }
        finally
        {
            // The hub is shared with the other tests: the owner takes the hub's budget away again.
            using var removed = await hub.Rest.DeleteAsync("/api/admin/budgets/hub");
            Assert.True(removed.IsSuccessStatusCode, await removed.Content.ReadAsStringAsync());
        }
    }

    private async Task<string> UserAsync(string role)
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "budget " + role, role });
        var text = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, text);
        using var body = JsonDocument.Parse(text);
        return body.RootElement.GetProperty("user").GetProperty("id").GetString()!;
    }

    private async Task<(string KeyId, string Secret)> KeyAsync()
    {
        using var user = await hub.Rest.PostAsJsonAsync("/api/admin/users", new { display_name = "budgets", role = "member" });
        var userText = await user.Content.ReadAsStringAsync();
        Assert.True(user.IsSuccessStatusCode, userText);
        using var userBody = JsonDocument.Parse(userText);
        var userId = userBody.RootElement.GetProperty("user").GetProperty("id").GetString();
        using var created = await hub.Rest.PostAsJsonAsync("/api/admin/keys", new { user_id = userId, name = "budget key", scopes = new[] { KeyScopes.Inference } });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        using var document = JsonDocument.Parse(body);
        return (document.RootElement.GetProperty("key").GetProperty("key_id").GetString()!, document.RootElement.GetProperty("secret").GetString()!);
    }
}
