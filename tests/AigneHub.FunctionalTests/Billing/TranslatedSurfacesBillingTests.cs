using System.Globalization;
using System.Net;
using System.Text.Json;
using AigneHub.TestUpstreams;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>
/// Credits mode on the translated surfaces (/v1/responses, /v1/completions, /v1/messages): the same hold and capture
/// as a chat call, and the refusal for credits in each route's own error shape, before any provider is called.
/// </summary>
[Collection(BillingCollection.Name)]
public sealed class TranslatedSurfacesBillingTests(BillingFixture hub)
{
    private const string Model = "openai/gpt-4o-mini";

    public static TheoryData<string, bool> Routes => new()
    {
        { "/v1/responses", false }, { "/v1/responses", true },
        { "/v1/completions", false }, { "/v1/completions", true },
        { "/v1/messages", false }, { "/v1/messages", true },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_user_without_credits_is_refused_402_in_the_routes_own_shape_before_any_provider_call(string path, bool stream)
    {
        hub.Upstream.Reset();
        var before = hub.Upstream.RequestCount;

        using var response = await hub.Rest.SendAsync(BillingFixture.As("broke-translated", HttpMethod.Post, path, Body(path, stream)));

        Assert.Equal(HttpStatusCode.PaymentRequired, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal(path == "/v1/messages" ? "billing_error" : "insufficient_quota", error.GetProperty("type").GetString());
        Assert.Contains(BillingFixture.PaymentLink, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, hub.Upstream.RequestCount);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_served_call_is_charged_its_exact_cost(string path, bool stream)
    {
        hub.Upstream.Reset();
        if (stream)
        {
            hub.Upstream.ReplyStream(["Hello", " there!"], new FakeUsage(9, 3));
        }
        else
        {
            hub.Upstream.Reply("Hello there!", new FakeUsage(9, 3));
        }

        var user = $"payer-{path.Replace('/', '-')}-{stream}";
        await hub.GrantAsync(user, "100");

        using var response = await hub.Rest.SendAsync(BillingFixture.As(user, HttpMethod.Post, path, Body(path, stream)));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Contains("Hello", text, StringComparison.Ordinal);
        using var balance = await hub.Rest.SendAsync(BillingFixture.As(user, HttpMethod.Get, "/api/user/credit/balance"));
        using var document = JsonDocument.Parse(await balance.Content.ReadAsStringAsync());

        // 9 prompt tokens × 0.01 + 3 completion tokens × 0.1 = 0.39 credits, nothing left held.
        var account = document.RootElement.GetProperty("balance");
        Assert.Equal(99.61m, decimal.Parse(account.GetProperty("available").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal("0", account.GetProperty("held").GetString());
    }

    private static object Body(string path, bool stream) => path switch
    {
        "/v1/responses" => new { model = Model, input = "Say hello", max_output_tokens = 50, stream },
        "/v1/completions" => new { model = Model, prompt = "Say hello", max_tokens = 50, stream, stream_options = stream ? new { include_usage = true } : null },
        _ => (object)new { model = Model, max_tokens = 50, messages = new[] { new { role = "user", content = "Say hello" } }, stream },
    };
}
