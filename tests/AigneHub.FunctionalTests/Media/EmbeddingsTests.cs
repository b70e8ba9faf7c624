using System.Buffers.Binary;
using System.Net;
using System.Text.Json;
using AigneHub.Api.Grpc.V1;
using AigneHub.TestUpstreams;
using Grpc.Core;
using static AigneHub.FunctionalTests.Media.MediaTestSupport;

namespace AigneHub.FunctionalTests.Media;

/// <summary>POST /v1/embeddings and its gRPC twin, through the whole hub to the fake OpenAI upstream and back.</summary>
[Collection(HubCollection.Name)]
public sealed class EmbeddingsTests(HubFixture hub)
{
    [Fact]
    public async Task Embeddings_reach_the_upstream_in_openai_form_and_come_back_in_openai_shape_in_input_order()
    {
        hub.Upstream.Reset();

        var (status, body, response) = await PostAsync(hub, "/v1/embeddings", new
        {
            model = "openai/text-embedding-3-small",
            input = new[] { "hello world", "second input here" },
            dimensions = 4,
        });

        Assert.Equal(HttpStatusCode.OK, status);
        var sent = hub.Upstream.LastRequest;
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/v1/embeddings", sent.Path);
        Assert.Equal("Bearer " + HubFixture.UpstreamApiKey, sent.Authorization);
        using (var json = sent.Json())
        {
            Assert.Equal("text-embedding-3-small", json.RootElement.GetProperty("model").GetString());
            Assert.Equal(["hello world", "second input here"], json.RootElement.GetProperty("input").EnumerateArray().Select(i => i.GetString()));
            Assert.Equal("float", json.RootElement.GetProperty("encoding_format").GetString());
            Assert.Equal(4, json.RootElement.GetProperty("dimensions").GetInt32());
        }

        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal("openai/text-embedding-3-small", body.GetProperty("model").GetString());
        Assert.Equal(5, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, body.GetProperty("usage").GetProperty("total_tokens").GetInt32());
        var data = body.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(2, data.Length);
        string[] inputs = ["hello world", "second input here"];
        for (var i = 0; i < data.Length; i++)
        {
            Assert.Equal("embedding", data[i].GetProperty("object").GetString());
            Assert.Equal(i, data[i].GetProperty("index").GetInt32());
            var vector = data[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(Enumerable.Range(0, 4).Select(p => FakeOpenAIUpstream.EmbeddingValue(inputs[i], p)), vector);
        }

        var record = await hub.WaitForCallRecordAsync(response.Headers.GetValues("x-request-id").Single());
        Assert.Equal("embedding", record.GetProperty("call_type").GetString());
        Assert.Equal("openai", record.GetProperty("provider").GetString());
        Assert.Equal(5, record.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal("succeeded", record.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Base64_encoding_carries_the_same_vector_as_little_endian_float32()
    {
        hub.Upstream.Reset();

        var (status, body, _) = await PostAsync(hub, "/v1/embeddings", new { model = "openai/text-embedding-3-small", input = "one string", encoding_format = "base64" });

        Assert.Equal(HttpStatusCode.OK, status);
        var bytes = Convert.FromBase64String(body.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var vector = Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
        Assert.Equal(Enumerable.Range(0, FakeOpenAIUpstream.EmbeddingDimensions).Select(p => FakeOpenAIUpstream.EmbeddingValue("one string", p)), vector);
    }

    [Theory]
    [InlineData("""{"model":"openai/text-embedding-3-small"}""", "input")]
    [InlineData("""{"model":"openai/text-embedding-3-small","input":[]}""", "input")]
    [InlineData("""{"model":"openai/text-embedding-3-small","input":["ok",""]}""", "input[1]")]
    [InlineData("""{"model":"openai/text-embedding-3-small","input":[1,2,3]}""", "input")]
    [InlineData("""{"model":"openai/text-embedding-3-small","input":"x","encoding_format":"int8"}""", "encoding_format")]
    [InlineData("""{"model":"openai/text-embedding-3-small","input":"x","dimensions":0}""", "dimensions")]
    [InlineData("""{"input":"x"}""", "model")]
    public async Task A_malformed_request_is_refused_with_400_naming_the_parameter(string json, string param)
    {
        hub.Upstream.Reset();
        using var response = await hub.Rest.PostAsync("/v1/embeddings", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = document.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Empty(hub.Upstream.Requests);
    }

    [Fact]
    public async Task An_upstream_rate_limit_answers_429_with_retry_after_in_openai_shape()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(429, retryAfter: TimeSpan.FromSeconds(7));

        var answer = await PostAsync(hub, "/v1/embeddings", new { model = "openai/text-embedding-3-small", input = "x" });

        var error = Error(HttpStatusCode.TooManyRequests, answer);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("7", answer.Response.Headers.GetValues("Retry-After").Single());
        hub.Upstream.Reset();
    }

    [Fact]
    public async Task An_upstream_rejection_answers_400_with_the_providers_reason_and_no_key()
    {
        hub.Upstream.Reset();
        hub.Upstream.Fail(400, $"This model's maximum context length is 8192 tokens (key {HubFixture.UpstreamApiKey}).");

        var answer = await PostAsync(hub, "/v1/embeddings", new { model = "openai/text-embedding-3-small", input = "x" });

        var error = Error(HttpStatusCode.BadRequest, answer);
        Assert.Equal("provider_rejected_request", error.GetProperty("code").GetString());
        Assert.Contains("maximum context length", error.GetProperty("message").GetString());
        Assert.DoesNotContain(HubFixture.UpstreamApiKey, answer.Body.ToString());
        hub.Upstream.Reset();
    }

    [Fact]
    public async Task A_model_no_provider_serves_for_embeddings_is_404()
    {
        var answer = await PostAsync(hub, "/v1/embeddings", new { model = "anthropic/claude-embed", input = "x" });

        var error = Error(HttpStatusCode.NotFound, answer);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Equal("model", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_provider_that_offers_no_embeddings_is_named_in_the_404()
    {
        var answer = await PostAsync(hub, "/v1/embeddings", new { model = "demo/echo", input = "x" });

        var error = Error(HttpStatusCode.NotFound, answer);
        Assert.Contains("offers no embeddings", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Grpc_clients_get_the_demo_providers_deterministic_vectors()
    {
        var client = new Embeddings.EmbeddingsClient(hub.Grpc);
        var request = new CreateEmbeddingsRequest { Model = "demo/embed", Input = Google.Protobuf.WellKnownTypes.Value.ForString("same text"), Dimensions = 12 };

        var first = await client.CreateEmbeddingsAsync(request);
        var second = await client.CreateEmbeddingsAsync(request);

        Assert.Equal("demo/embed", first.Model);
        var vector = first.Data.Single().Embedding.ListValue.Values.Select(v => v.NumberValue).ToArray();
        Assert.Equal(12, vector.Length);
        Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => v * v)), 3);
        Assert.Equal(vector, second.Data.Single().Embedding.ListValue.Values.Select(v => v.NumberValue));
    }

    [Fact]
    public async Task Grpc_validation_failures_are_invalid_argument()
    {
        var client = new Embeddings.EmbeddingsClient(hub.Grpc);

        var failure = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.CreateEmbeddingsAsync(new CreateEmbeddingsRequest { Model = "demo/embed" }));

        Assert.Equal(StatusCode.InvalidArgument, failure.StatusCode);
    }
}
