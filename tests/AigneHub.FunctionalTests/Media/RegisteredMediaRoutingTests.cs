using System.Net;
using System.Net.Http.Json;
using AigneHub.TestUpstreams;
using static AigneHub.FunctionalTests.Media.MediaTestSupport;

namespace AigneHub.FunctionalTests.Media;

/// <summary>
/// Embedding and image calls to providers registered through the admin API: each in its own protocol, with the
/// credential rotation and failover of chat. A hub of its own, so these registrations do not meet the other tests'.
/// </summary>
[Collection(MediaHubCollection.Name)]
public sealed class RegisteredMediaRoutingTests(HubFixture hub)
{
    [Fact]
    public async Task A_refused_credential_is_failed_over_for_embeddings_and_stays_out_of_image_calls()
    {
        hub.Upstream.Reset();
        hub.Upstream.RequiredApiKey = "doubao-good-key-0123456789";
        try
        {
            await RegisterAsync(hub, "doubao", hub.Upstream.BaseUrl, ("refused", "doubao-bad-key-0123456789", 1000), ("good", "doubao-good-key-0123456789", 1));

            var (status, body, _) = await PostAsync(hub, "/v1/embeddings", new { model = "doubao/doubao-embedding-text-240715", input = "x" });
            Assert.True(status == HttpStatusCode.OK, body.ToString());
            Assert.Equal("doubao/doubao-embedding-text-240715", body.GetProperty("model").GetString());
            Assert.Equal("Bearer doubao-good-key-0123456789", hub.Upstream.LastRequest.Authorization);

            // The refusal took the first credential out of the rotation: an image call goes straight to the good one.
            var before = hub.Upstream.RequestCount;
            var image = await PostAsync(hub, "/v1/images/generations", new { model = "doubao/doubao-seedream-3-0-t2i-250415", prompt = "a cat", response_format = "b64_json" });
            Assert.Equal(HttpStatusCode.OK, image.Status);
            Assert.Equal(before + 1, hub.Upstream.RequestCount);
            Assert.Equal("/v1/images/generations", hub.Upstream.LastRequest.Path);
        }
        finally
        {
            hub.Upstream.RequiredApiKey = null;
        }
    }

    [Fact]
    public async Task Google_embeddings_and_imagen_and_bedrock_titan_embeddings_reach_their_upstreams_in_their_own_protocols()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        await using var bedrock = await FakeBedrockUpstream.StartAsync();
        await RegisterAsync(hub, "google", gemini.BaseUrl, ("main", "AIza-functional-media-0123456789", 1));
        await RegisterBedrockAsync(bedrock);

        var google = await PostAsync(hub, "/v1/embeddings", new { model = "google/gemini-embedding-001", input = new[] { "a", "bb" }, dimensions = 3 });
        Assert.True(google.Status == HttpStatusCode.OK, google.Body.ToString());
        Assert.Equal("/v1beta/models/gemini-embedding-001:batchEmbedContents", gemini.LastRequest.Path);
        Assert.Equal(FakeGeminiUpstream.EmbeddingValue("bb", 2), google.Body.GetProperty("data")[1].GetProperty("embedding")[2].GetSingle());

        var imagen = await PostAsync(hub, "/v1/images/generations", new { model = "google/imagen-4.0-generate-001", prompt = "a harbour", n = 2, response_format = "b64_json" });
        Assert.True(imagen.Status == HttpStatusCode.OK, imagen.Body.ToString());
        Assert.Equal("/v1beta/models/imagen-4.0-generate-001:predict", gemini.LastRequest.Path);
        Assert.Equal(2, imagen.Body.GetProperty("data").GetArrayLength());

        var titan = await PostAsync(hub, "/v1/embeddings", new { model = "bedrock/amazon.titan-embed-text-v2:0", input = new[] { "one two", "three" }, dimensions = 256 });
        Assert.True(titan.Status == HttpStatusCode.OK, titan.Body.ToString());
        Assert.Equal(2, bedrock.Requests.Count(r => r.Path.EndsWith("/invoke", StringComparison.Ordinal)));
        Assert.Equal(3, titan.Body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(256, titan.Body.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());

        // Bedrock offers no image protocol here: a registered provider without the capability is not a candidate.
        var none = await PostAsync(hub, "/v1/images/generations", new { model = "bedrock/amazon.titan-image-generator-v2:0", prompt = "x" });
        Assert.Equal(HttpStatusCode.NotFound, none.Status);
    }

    private async Task RegisterBedrockAsync(FakeBedrockUpstream bedrock)
    {
        using var registered = await hub.Rest.PostAsJsonAsync("/api/admin/providers", new { provider = "bedrock", base_url = bedrock.BaseUrl, region = FakeBedrockUpstream.DefaultRegion });
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        using var document = System.Text.Json.JsonDocument.Parse(await registered.Content.ReadAsStringAsync());
        var version = document.RootElement.GetProperty("provider").GetProperty("version").GetInt32();
        using var added = await hub.Rest.PostAsJsonAsync("/api/admin/providers/bedrock/credentials", new
        {
            expected_version = version,
            name = "main",
            access_key_id = bedrock.AccessKeyId,
            secret_access_key = bedrock.SecretAccessKey,
        });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await GetJsonAsync(hub, "/v1/models")).GetProperty("data").EnumerateArray().Any(m => m.GetProperty("owned_by").GetString() == "bedrock"))
        {
            Assert.True(DateTime.UtcNow < deadline, "bedrock was not routable within 10 s");
            await Task.Delay(100);
        }
    }
}

/// <summary>A second hub, for tests that register providers the shared hub's tests also register.</summary>
[CollectionDefinition(Name)]
public sealed class MediaHubCollection : ICollectionFixture<HubFixture>
{
    public const string Name = "media-hub";
}
