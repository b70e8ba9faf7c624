using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>POST /api/payments/webhook through the host: signed top-ups, replays, forgeries and bad input.</summary>
[Collection(BillingCollection.Name)]
public sealed class PaymentWebhookTests(BillingFixture hub)
{
    private static string Sign(string timestamp, string body, string secret = BillingFixture.WebhookSecret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    private static string Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private async Task<HttpResponseMessage> PostAsync(string body, string timestamp, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("x-aignehub-timestamp", timestamp);
        request.Headers.Add("x-aignehub-signature", signature);
        return await hub.Rest.SendAsync(request);
    }

    private async Task<string> AvailableOf(string user)
    {
        using var response = await hub.Rest.GetAsync($"/api/admin/credits/{user}");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("balance").GetProperty("available").GetString()!;
    }

    private static string Payment(string paymentId, string user, string credits) =>
        JsonSerializer.Serialize(new { payment_id = paymentId, user_id = user, credits, status = "completed" });

    [Fact]
    public async Task A_signed_payment_grants_its_credits_once_and_a_replay_grants_nothing()
    {
        await hub.RegisterAsync("buyer");
        var body = Payment("pay_001", "buyer", "25.5");
        var timestamp = Now();

        using var first = await PostAsync(body, timestamp, Sign(timestamp, body));
        using var replay = await PostAsync(body, timestamp, Sign(timestamp, body));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        using var firstBody = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        using var replayBody = JsonDocument.Parse(await replay.Content.ReadAsStringAsync());
        Assert.True(firstBody.RootElement.GetProperty("granted").GetBoolean());
        Assert.False(replayBody.RootElement.GetProperty("granted").GetBoolean());
        Assert.Equal("25.5", await AvailableOf("buyer"));
    }

    [Fact]
    public async Task A_bad_signature_is_refused_with_401_and_nothing_is_written()
    {
        var body = Payment("pay_forged", "forger", "1000");
        var timestamp = Now();

        using var wrongSecret = await PostAsync(body, timestamp, Sign(timestamp, body, "whsec-not-the-real-one"));
        using var tampered = await PostAsync(body.Replace("1000", "9000", StringComparison.Ordinal), timestamp, Sign(timestamp, body));
        using var unsigned = await PostAsync(body, timestamp, "sha256=");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("0", await AvailableOf("forger"));
        using var transactions = await hub.Rest.GetAsync("/api/admin/credits/forger/transactions");
        using var ledger = JsonDocument.Parse(await transactions.Content.ReadAsStringAsync());
        Assert.Equal(0, ledger.RootElement.GetProperty("transactions").GetArrayLength());
    }

    [Fact]
    public async Task A_notification_outside_the_time_window_is_refused()
    {
        var body = Payment("pay_old", "late", "10");
        var stale = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        using var response = await PostAsync(body, stale, Sign(stale, body));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("0", await AvailableOf("late"));
    }

    [Theory]
    [InlineData("{\"payment_id\":\"pay_x\",\"user_id\":\"u\"}")]
    [InlineData("{\"payment_id\":\"pay_y\",\"user_id\":\"u\",\"credits\":\"-5\"}")]
    [InlineData("not json")]
    public async Task A_signed_but_malformed_notification_is_a_400(string body)
    {
        var timestamp = Now();

        using var response = await PostAsync(body, timestamp, Sign(timestamp, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_payment_for_a_user_the_hub_does_not_know_is_refused_with_404_and_opens_no_account()
    {
        var body = Payment("pay_stranger", "stranger-42", "10");
        var timestamp = Now();

        using var response = await PostAsync(body, timestamp, Sign(timestamp, body));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("stranger-42", error.RootElement.GetProperty("error").GetProperty("message").GetString());
        using var transactions = await hub.Rest.GetAsync("/api/admin/credits/stranger-42/transactions");
        using var ledger = JsonDocument.Parse(await transactions.Content.ReadAsStringAsync());
        Assert.Equal(0, ledger.RootElement.GetProperty("transactions").GetArrayLength());
    }

    [Fact]
    public async Task User_ids_that_differ_only_in_case_are_one_account_and_one_payment_id_is_granted_once()
    {
        await hub.RegisterAsync("Case-Buyer");
        var timestamp = Now();
        var lower = Payment("pay_case", "case-buyer", "10");
        var upper = Payment("pay_case", "CASE-BUYER", "10");

        using var first = await PostAsync(lower, timestamp, Sign(timestamp, lower));
        using var second = await PostAsync(upper, timestamp, Sign(timestamp, upper));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        using var secondBody = JsonDocument.Parse(await second.Content.ReadAsStringAsync());
        Assert.False(secondBody.RootElement.GetProperty("granted").GetBoolean());
        Assert.Equal("10", await AvailableOf("Case-Buyer"));
        Assert.Equal("10", await AvailableOf("case-BUYER"));
        using var response = await hub.Rest.GetAsync("/api/admin/credits/case-buyer");
        using var account = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Case-Buyer", account.RootElement.GetProperty("balance").GetProperty("user_id").GetString());
    }

    [Theory]
    [InlineData("{\"payment_id\":\"pay_a1\",\"user_id\":\"amounts\",\"credits\":-5,\"status\":\"completed\"}", "credits")]
    [InlineData("{\"payment_id\":\"pay_a2\",\"user_id\":\"amounts\",\"credits\":\"-5\",\"status\":\"completed\"}", "credits")]
    [InlineData("{\"payment_id\":\"pay_a3\",\"user_id\":\"amounts\",\"credits\":0,\"status\":\"completed\"}", "credits")]
    [InlineData("{\"payment_id\":\"pay_a4\",\"user_id\":\"amounts\",\"credits\":\"1.0000001\",\"status\":\"completed\"}", "credits")]
    [InlineData("{\"payment_id\":\"pay_a5\",\"user_id\":\"amounts\",\"credits\":7.9e28,\"status\":\"completed\"}", "credits")]
    [InlineData("{\"payment_id\":\"pay_a6\",\"user_id\":\"amounts\",\"credits\":\"7.9e28\",\"status\":\"completed\"}", "credits")]
    [InlineData("{\"payment_id\":\"pay_a7\",\"user_id\":\"amounts\",\"credits\":\"79000000000000000000000000000\",\"status\":\"completed\"}", "credits")]
    [InlineData("{\"payment_id\":\"\",\"user_id\":\"amounts\",\"credits\":\"5\",\"status\":\"completed\"}", "payment_id")]
    [InlineData("{\"payment_id\":\"pay_a9\",\"user_id\":\"amounts\",\"credits\":\"5\"}", "status")]
    public async Task A_signed_notification_with_a_bad_field_is_a_400_naming_it_and_grants_nothing(string body, string field)
    {
        await hub.RegisterAsync("amounts");
        var timestamp = Now();

        using var response = await PostAsync(body, timestamp, Sign(timestamp, body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains(field, error.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("0", await AvailableOf("amounts"));
    }
}
