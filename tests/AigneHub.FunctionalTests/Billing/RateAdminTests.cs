using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>Pricing models through /api/admin/rates and the settings they depend on.</summary>
[Collection(BillingCollection.Name)]
public sealed class RateAdminTests(BillingFixture hub)
{
    private static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task A_rate_from_unit_cost_adds_the_margin_and_each_change_is_a_new_version_in_the_history()
    {
        // Margin 2 %, base price 1: $0.000003 per token → 0.00000306 credits, rounded to 6 places = 0.000003.
        using var first = await hub.Rest.PostAsJsonAsync("/api/admin/rates:fromUnitCost", new
        {
            type = "chat", provider = "anthropic", model = "claude-3-5-sonnet-latest",
            unit_costs = new { input_usd = "0.0005", output_usd = "0.0015" },
        });
        using var second = await hub.Rest.PostAsJsonAsync("/api/admin/rates:fromUnitCost", new
        {
            type = "chat", provider = "anthropic", model = "claude-3-5-sonnet-latest",
            unit_costs = new { input_usd = "0.001", output_usd = "0.0015" },
        });
        using var same = await hub.Rest.PostAsJsonAsync("/api/admin/rates:fromUnitCost", new
        {
            type = "chat", provider = "anthropic", model = "claude-3-5-sonnet-latest",
            unit_costs = new { input_usd = "0.001", output_usd = "0.0015" },
        });

        var rate = (await JsonOf(first)).GetProperty("rate");
        Assert.Equal(("0.00051", "0.00153", 1), (rate.GetProperty("input_rate").GetString(), rate.GetProperty("output_rate").GetString(), rate.GetProperty("version").GetInt32()));
        Assert.Equal(2, (await JsonOf(second)).GetProperty("rate").GetProperty("version").GetInt32());
        Assert.Equal(2, (await JsonOf(same)).GetProperty("rate").GetProperty("version").GetInt32());

        using var history = await hub.Rest.GetAsync("/api/admin/rates/history?type=chat&provider=anthropic&model=claude-3-5-sonnet-latest");
        var versions = (await JsonOf(history)).GetProperty("versions");
        Assert.Equal(2, versions.GetArrayLength());
        Assert.Equal("0.00102", versions[1].GetProperty("input_rate").GetString());
    }

    [Fact]
    public async Task Reprice_dry_run_shows_the_diff_and_writes_nothing()
    {
        using var settings = await hub.Rest.GetAsync("/api/admin/billing/settings");
        var version = (await JsonOf(settings)).GetProperty("settings").GetProperty("version").GetInt32();
        using var priced = await hub.Rest.PostAsJsonAsync("/api/admin/rates:fromUnitCost", new
        {
            type = "chat", provider = "deepseek", model = "deepseek-chat", unit_costs = new { input_usd = "0.001", output_usd = "0.002" },
        });
        Assert.True(priced.IsSuccessStatusCode);

        using var dryRun = await hub.Rest.PostAsJsonAsync("/api/admin/rates:reprice", new
        {
            profit_margin_percent = "50", dry_run = true, expected_settings_version = version,
        });

        var report = await JsonOf(dryRun);
        Assert.True(report.GetProperty("dry_run").GetBoolean());
        var change = report.GetProperty("changes").EnumerateArray().Single(c => c.GetProperty("after").GetProperty("model").GetString() == "deepseek-chat");
        Assert.Equal("0.00102", change.GetProperty("before").GetProperty("input_rate").GetString());
        Assert.Equal("0.0015", change.GetProperty("after").GetProperty("input_rate").GetString());

        using var rates = await hub.Rest.GetAsync("/api/admin/rates?provider=deepseek");
        Assert.Equal("0.00102", (await JsonOf(rates)).GetProperty("rates")[0].GetProperty("input_rate").GetString());
        using var after = await hub.Rest.GetAsync("/api/admin/billing/settings");
        Assert.Equal(version, (await JsonOf(after)).GetProperty("settings").GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Catalogue_sync_dry_run_prices_the_shipped_catalogue_without_touching_hand_set_rates()
    {
        using var response = await hub.Rest.PostAsJsonAsync("/api/admin/rates:sync", new { dry_run = true });

        var report = await JsonOf(response);
        Assert.Equal("built-in", report.GetProperty("source").GetString());
        var models = report.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("after").GetProperty("rate_id").GetString()).ToList();
        Assert.Contains("rate:chat:google/gemini-2.0-flash", models);
        Assert.Contains("rate:chat:openai/gpt-4o-mini", report.GetProperty("skipped").EnumerateArray().Select(s => s.GetString()));
        using var rates = await hub.Rest.GetAsync("/api/admin/rates?provider=google");
        Assert.Equal(0, (await JsonOf(rates)).GetProperty("rates").GetArrayLength());
    }

    [Fact]
    public async Task Malformed_amounts_are_a_400_naming_the_field()
    {
        using var response = await hub.Rest.PutAsJsonAsync("/api/admin/rates", new
        {
            type = "chat", provider = "openai", model = "gpt-x", input_rate = "cheap", output_rate = "1",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("input_rate", await response.Content.ReadAsStringAsync());
    }
}
