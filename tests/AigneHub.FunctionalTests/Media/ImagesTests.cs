using System.Net;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.TestUpstreams;
using static AigneHub.FunctionalTests.Media.MediaTestSupport;

namespace AigneHub.FunctionalTests.Media;

/// <summary>POST /v1/images/generations, the hub's own image links, and the gRPC twin.</summary>
[Collection(HubCollection.Name)]
public sealed class ImagesTests(HubFixture hub)
{
    [Fact]
    public async Task B64_json_images_come_back_with_the_revised_prompt_and_the_upstream_is_asked_for_bytes()
    {
        hub.Upstream.Reset();

        var (status, body, response) = await PostAsync(hub, "/v1/images/generations", new
        {
            model = "openai/dall-e-3",
            prompt = "a lighthouse at dusk",
            n = 2,
            size = "1024x1024",
            quality = "hd",
            style = "natural",
            response_format = "b64_json",
        });

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        var sent = hub.Upstream.LastRequest;
        Assert.Equal("/v1/images/generations", sent.Path);
        Assert.Equal("Bearer " + HubFixture.UpstreamApiKey, sent.Authorization);
        using (var json = sent.Json())
        {
            var root = json.RootElement;
            Assert.Equal("dall-e-3", root.GetProperty("model").GetString());
            Assert.Equal("a lighthouse at dusk", root.GetProperty("prompt").GetString());
            Assert.Equal(2, root.GetProperty("n").GetInt32());
            Assert.Equal("1024x1024", root.GetProperty("size").GetString());
            Assert.Equal("hd", root.GetProperty("quality").GetString());
            Assert.Equal("natural", root.GetProperty("style").GetString());
            Assert.Equal("b64_json", root.GetProperty("response_format").GetString());
        }

        Assert.True(body.GetProperty("created").GetInt64() > 0);
        var data = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(2, data.Length);
        Assert.All(data, d => Assert.Equal(FakeOpenAIUpstream.OnePixelPng, d.GetProperty("b64_json").GetString()));
        Assert.All(data, d => Assert.Equal("A detailed rendering of a lighthouse at dusk", d.GetProperty("revised_prompt").GetString()));
        Assert.All(data, d => Assert.False(d.TryGetProperty("url", out _)));

        var record = await hub.WaitForCallRecordAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("image", record.GetProperty("call_type").GetString());
        Assert.Equal(2, record.GetProperty("images").GetInt32());
    }

    [Fact]
    public async Task Url_images_are_served_by_the_hub_itself_until_they_expire()
    {
        hub.Upstream.Reset();

        var (status, body, _) = await PostAsync(hub, "/v1/images/generations", new { model = "openai/dall-e-2", prompt = "a red square" });

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        using (var json = hub.Upstream.LastRequest.Json())
        {
            // The hub keeps the bytes: it never hands out a link to the provider's storage.
            Assert.Equal("b64_json", json.RootElement.GetProperty("response_format").GetString());
        }

        var url = new Uri(body.GetProperty("data")[0].GetProperty("url").GetString()!);
        Assert.Equal(hub.RestUri.Authority, url.Authority);
        Assert.StartsWith("/v1/images/files/", url.AbsolutePath);

        using var image = await new HttpClient().GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Convert.FromBase64String(FakeOpenAIUpstream.OnePixelPng), await image.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_unknown_image_link_is_404_in_openai_shape()
    {
        using var response = await hub.Rest.GetAsync("/v1/images/files/" + Guid.NewGuid().ToString("N"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", document.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Gpt_image_models_are_not_sent_response_format_and_their_usage_is_reported()
    {
        hub.Upstream.Reset();

        var (status, body, _) = await PostAsync(hub, "/v1/images/generations", new { model = "openai/gpt-image-1", prompt = "two words", response_format = "b64_json" });

        Assert.True(status == HttpStatusCode.OK, body.ToString());
        using (var json = hub.Upstream.LastRequest.Json())
        {
            Assert.False(json.RootElement.TryGetProperty("response_format", out _));
        }

        var usage = body.GetProperty("usage");
        Assert.Equal(2, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(272, usage.GetProperty("output_tokens").GetInt32());
        Assert.Equal(274, usage.GetProperty("total_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"model":"openai/dall-e-3","prompt":"x","n":11}""", "n")]
    [InlineData("""{"model":"openai/dall-e-3","prompt":"x","n":0}""", "n")]
    [InlineData("""{"model":"openai/dall-e-3","prompt":""}""", "prompt")]
    [InlineData("""{"model":"openai/dall-e-3","prompt":"x","size":"big"}""", "size")]
    [InlineData("""{"model":"openai/dall-e-3","prompt":"x","quality":"ultra"}""", "quality")]
    [InlineData("""{"model":"openai/dall-e-3","prompt":"x","style":"baroque"}""", "style")]
    [InlineData("""{"model":"openai/dall-e-3","prompt":"x","response_format":"gif"}""", "response_format")]
    public async Task A_malformed_request_is_refused_with_400_naming_the_parameter(string json, string param)
    {
        hub.Upstream.Reset();
        using var response = await hub.Rest.PostAsync("/v1/images/generations", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, document.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(hub.Upstream.Requests);
    }

    [Fact]
    public async Task An_upstream_outage_is_502_provider_unavailable()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(503);

        var answer = await PostAsync(hub, "/v1/images/generations", new { model = "openai/dall-e-3", prompt = "x" });

        Assert.Equal("provider_unavailable", Error(HttpStatusCode.BadGateway, answer).GetProperty("code").GetString());
        hub.Upstream.Reset();
    }

    [Fact]
    public async Task Grpc_clients_get_demo_images_as_bytes_or_as_links_to_the_rest_address()
    {
        var client = new Images.ImagesClient(hub.Grpc);

        var bytes = await client.GenerateImagesAsync(new GenerateImagesRequest { Model = "demo/image", Prompt = "blue", N = 2, ResponseFormat = "b64_json" });
        var links = await client.GenerateImagesAsync(new GenerateImagesRequest { Model = "demo/image", Prompt = "blue" });

        Assert.Equal(2, bytes.Data.Count);
        Assert.All(bytes.Data, d => Assert.StartsWith("iVBORw0KGgo", d.B64Json));
        var url = new Uri(links.Data.Single().Url);
        Assert.Equal(hub.RestUri.Authority, url.Authority);
        using var image = await hub.Rest.GetAsync(url.PathAndQuery);
        Assert.Equal(Convert.FromBase64String(bytes.Data[0].B64Json), await image.Content.ReadAsByteArrayAsync());
    }
}
