using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace AigneHub.FunctionalTests.Billing;

/// <summary>Embeddings and image calls in credits mode: held before the provider, charged exactly, released on failure.</summary>
[Collection(BillingCollection.Name)]
public sealed class MediaBillingTests(BillingFixture hub) : IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await SetRateAsync("embedding", "text-embedding-3-small", input: "0.001", output: "0");
        await SetRateAsync("image", "gpt-image-1", input: "0", output: "2.5");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Embeddings_are_charged_for_the_input_tokens_the_provider_counted()
    {
        const string user = "media-embedder";
        await hub.GrantAsync(user, "10");
        hub.Upstream.Reset();

        using var response = await SendAsync(user, "/v1/embeddings", new { model = "openai/text-embedding-3-small", input = new[] { "one two three", "four five" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await RecordAsync(response);
        Assert.Equal(("0.005", 5), (record.GetProperty("credits_charged").GetString(), record.GetProperty("prompt_tokens").GetInt32()));
        var balance = await BalanceAsync(user);
        Assert.Equal((9.995m, 0m), (Decimal(balance, "balance"), Decimal(balance, "held")));
    }

    [Fact]
    public async Task Images_are_charged_per_image_produced()
    {
        const string user = "media-painter";
        await hub.GrantAsync(user, "10");
        hub.Upstream.Reset();

        using var response = await SendAsync(user, "/v1/images/generations", new { model = "openai/gpt-image-1", prompt = "a lighthouse", n = 2, response_format = "b64_json" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var record = await RecordAsync(response);
        Assert.Equal(("5", 2), (record.GetProperty("credits_charged").GetString(), record.GetProperty("images").GetInt32()));
        Assert.Equal(5m, Decimal(await BalanceAsync(user), "balance"));
    }

    [Fact]
    public async Task The_aigne_media_routes_answer_the_credits_charged()
    {
        const string user = "media-aigne";
        await hub.GrantAsync(user, "10");
        hub.Upstream.Reset();

        using var embeddings = await SendAsync(user, "/api/v2/embeddings", new { model = "openai/text-embedding-3-small", input = "one two three four" });
        using var images = await SendAsync(user, "/api/v2/image", new { input = new { prompt = "a lighthouse", n = 1, modelOptions = new { model = "openai/gpt-image-1" } } });

        var embeddingUsage = JsonDocument.Parse(await embeddings.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");
        var imageUsage = JsonDocument.Parse(await images.Content.ReadAsStringAsync()).RootElement.GetProperty("usage");
        Assert.Equal((0.004m, "$"), (embeddingUsage.GetProperty("aigneHubCredits").GetDecimal(), embeddingUsage.GetProperty("creditPrefix").GetString()));
        Assert.Equal((2.5m, "$"), (imageUsage.GetProperty("aigneHubCredits").GetDecimal(), imageUsage.GetProperty("creditPrefix").GetString()));
        Assert.Equal(10m - 0.004m - 2.5m, Decimal(await BalanceAsync(user), "balance"));
    }

    [Fact]
    public async Task A_media_call_the_account_cannot_cover_is_refused_with_402_before_the_provider()
    {
        const string user = "media-broke";
        await hub.GrantAsync(user, "1");
        hub.Upstream.Reset();
        var before = hub.Upstream.RequestCount;

        using var images = await SendAsync(user, "/v1/images/generations", new { model = "openai/gpt-image-1", prompt = "too dear", n = 1 });

        Assert.Equal(HttpStatusCode.PaymentRequired, images.StatusCode);
        Assert.Contains("insufficient_quota", await images.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, hub.Upstream.RequestCount);
        Assert.Equal(1m, Decimal(await BalanceAsync(user), "balance"));
    }

    [Fact]
    public async Task A_failed_media_call_releases_its_hold_and_charges_nothing()
    {
        const string user = "media-unlucky";
        await hub.GrantAsync(user, "10");
        hub.Upstream.Reset();
        hub.Upstream.Fail(500, "upstream trouble");

        using var response = await SendAsync(user, "/v1/embeddings", new { model = "openai/text-embedding-3-small", input = "fails" });
        hub.Upstream.Reset();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var balance = await BalanceAsync(user);
        Assert.Equal((10m, 0m, 0m), (Decimal(balance, "balance"), Decimal(balance, "held"), Decimal(balance, "total_spent")));
    }

    [Fact]
    public async Task An_edit_holds_for_the_input_tokens_of_the_images_it_sends_so_it_never_costs_more_than_its_hold()
    {
        // gpt-image-1 counts each input image as input tokens (here 3,000 each). The hold counted only the prompt, so an
        // account that could pay the hold was served an edit costing several times more, the rest "uncollected".
        await SetRateAsync("image", "gpt-image-1-edits", input: "0.001", output: "1");
        await hub.GrantAsync("media-editor-short", "2");
        await hub.GrantAsync("media-editor", "30");
        hub.Upstream.Reset();
        hub.Upstream.EditImageTokens = 3_000;

        using var refused = await hub.Rest.SendAsync(Edit("media-editor-short"));
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Empty(hub.Upstream.Requests);
        using var served = await hub.Rest.SendAsync(Edit("media-editor"));

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var record = await RecordAsync(served);
        var cost = (record.GetProperty("prompt_tokens").GetInt32() * 0.001m) + 1m;
        Assert.True(record.GetProperty("prompt_tokens").GetInt32() > 6_000);
        Assert.Equal(cost, decimal.Parse(record.GetProperty("credits_charged").GetString()!, CultureInfo.InvariantCulture));
        var balance = await BalanceAsync("media-editor");
        Assert.Equal((30m - cost, 0m), (Decimal(balance, "balance"), Decimal(balance, "held")));
        Assert.Equal("0", balance.GetProperty("total_uncollected").GetString());
    }

    private static HttpRequestMessage Edit(string user)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent("openai/gpt-image-1-edits"), "model" },
            { new StringContent("make it blue"), "prompt" },
            { new StringContent("b64_json"), "response_format" },
        };
        foreach (var name in new[] { "a.png", "b.png" })
        {
            var image = new ByteArrayContent(Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="));
            image.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");
            form.Add(image, "image[]", name);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/images/edits") { Content = form };
        request.Headers.Add(BillingFixture.UserHeader, user);
        return request;
    }

    [Fact]
    public async Task A_media_model_without_a_rate_is_refused_with_400_naming_the_model()
    {
        const string user = "media-unpriced";
        await hub.GrantAsync(user, "10");

        using var response = await SendAsync(user, "/v1/embeddings", new { model = "openai/text-embedding-unpriced", input = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("has no rate", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task SetRateAsync(string type, string model, string input, string output)
    {
        using var response = await hub.Rest.PutAsJsonAsync("/api/admin/rates", new { type, provider = "openai", model, input_rate = input, output_rate = output });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<HttpResponseMessage> SendAsync(string user, string path, object body) =>
        await hub.Rest.SendAsync(BillingFixture.As(user, HttpMethod.Post, path, body));

    private async Task<JsonElement> BalanceAsync(string user)
    {
        using var response = await hub.Rest.SendAsync(BillingFixture.As(user, HttpMethod.Get, "/api/user/credit/balance"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("balance").Clone();
    }

    private async Task<JsonElement> RecordAsync(HttpResponseMessage response)
    {
        var requestId = response.Headers.GetValues("x-request-id").Single();
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

            Assert.True(DateTime.UtcNow < deadline, $"no call record for {requestId}");
            await Task.Delay(50);
        }
    }

    private static decimal Decimal(JsonElement balance, string name) => decimal.Parse(balance.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);
}
