using AigneHub.Application.Abstractions;
using AigneHub.Application.Errors;
using AigneHub.Application.Embeddings;
using AigneHub.Application.Images;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.Infrastructure.Providers.Google;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Media;

/// <summary>Gemini's batchEmbedContents and Imagen predict, and Bedrock's Titan InvokeModel, against fakes that check the wire form.</summary>
public sealed class GeminiAndBedrockMediaAdapterTests : IAsyncLifetime
{
    private const string GoogleKey = "AIza-test-media-0123456789";

    private MediaAdapterHarness _harness = null!;

    public Task InitializeAsync()
    {
        _harness = MediaAdapterHarness.Create();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Gemini_embeddings_go_as_one_batch_with_the_key_in_its_header()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        var request = new ProviderEmbeddingRequest("gemini-embedding-001", ["alpha", "beta gamma"], 4, null);

        var result = await _harness.Embeddings(GeminiEmbeddingAdapter.ProtocolName).EmbedAsync(Google(gemini), request, CancellationToken.None);

        var sent = gemini.LastRequest;
        Assert.Equal("/v1beta/models/gemini-embedding-001:batchEmbedContents", sent.Path);
        Assert.Equal(GoogleKey, sent.Header(FakeGeminiUpstream.ApiKeyHeader));
        Assert.DoesNotContain(GoogleKey, sent.Path);
        Assert.Equal(
            """{"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"alpha"}]},"outputDimensionality":4},{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"beta gamma"}]},"outputDimensionality":4}]}""",
            sent.Body);
        Assert.Equal("google/gemini-embedding-001", result.Model);
        Assert.Equal(Enumerable.Range(0, 4).Select(p => FakeGeminiUpstream.EmbeddingValue("beta gamma", p)), result.Vectors[1]);
    }

    [Fact]
    public async Task More_inputs_than_one_gemini_batch_takes_go_in_several_batches_and_come_back_in_order()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        var inputs = Enumerable.Range(0, GeminiEmbeddingAdapter.MaxBatchSize + 5).Select(i => new string('x', i + 1)).ToArray();

        var result = await _harness.Embeddings(GeminiEmbeddingAdapter.ProtocolName).EmbedAsync(
            Google(gemini), new ProviderEmbeddingRequest("text-embedding-004", inputs, 2, null), CancellationToken.None);

        Assert.Equal(2, gemini.Requests.Count);
        Assert.Equal(inputs.Length, result.Vectors.Count);
        Assert.Equal(FakeGeminiUpstream.EmbeddingValue(inputs[^1], 1), result.Vectors[^1][1]);
        Assert.Equal(FakeGeminiUpstream.EmbeddingValue(inputs[0], 0), result.Vectors[0][0]);
    }

    [Fact]
    public async Task A_gemini_key_refused_as_invalid_argument_is_an_auth_failure()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();
        gemini.FailWithInvalidApiKey();

        var failure = await Assert.ThrowsAsync<UpstreamException>(() =>
            _harness.Embeddings(GeminiEmbeddingAdapter.ProtocolName).EmbedAsync(Google(gemini), new ProviderEmbeddingRequest("text-embedding-004", ["x"], null, null), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamAuth, failure.Kind);
    }

    [Fact]
    public async Task Imagen_is_asked_for_samples_at_the_nearest_aspect_ratio()
    {
        await using var gemini = await FakeGeminiUpstream.StartAsync();

        var result = await _harness.Images(GeminiImagenAdapter.ProtocolName).GenerateAsync(
            Google(gemini), new ProviderImageRequest("imagen-4.0-generate-001", "a harbour", 2, "1792x1024", null, null, null), CancellationToken.None);

        Assert.Equal("/v1beta/models/imagen-4.0-generate-001:predict", gemini.LastRequest.Path);
        Assert.Equal("""{"instances":[{"prompt":"a harbour"}],"parameters":{"sampleCount":2,"aspectRatio":"16:9"}}""", gemini.LastRequest.Body);
        Assert.Equal(2, result.Images.Count);
        Assert.All(result.Images, i => Assert.Equal("image/png", i.MediaType));
        Assert.Equal("google/imagen-4.0-generate-001", result.Model);
    }

    [Theory]
    [InlineData("1024x1024", "1:1")]
    [InlineData("1024x1792", "9:16")]
    [InlineData("1536x1024", "4:3")]
    [InlineData("auto", null)]
    [InlineData(null, null)]
    public void Sizes_become_imagens_nearest_aspect_ratio(string? size, string? ratio) =>
        Assert.Equal(ratio, GeminiImagenAdapter.AspectRatioOf(size));

    [Fact]
    public async Task Titan_embeddings_are_one_signed_invoke_per_input_with_the_tokens_summed()
    {
        await using var bedrock = await FakeBedrockUpstream.StartAsync();
        var request = new ProviderEmbeddingRequest("amazon.titan-embed-text-v2:0", ["one two", "three"], 256, null);

        var result = await _harness.Embeddings(BedrockTitanEmbeddingAdapter.ProtocolName).EmbedAsync(Bedrock(bedrock), request, CancellationToken.None);

        // The fake verifies every SigV4 signature and refuses a wrong one with 403.
        Assert.Equal(2, bedrock.Requests.Count);
        Assert.All(bedrock.Requests, r => Assert.Equal("/model/amazon.titan-embed-text-v2%3A0/invoke", r.Path));
        Assert.All(bedrock.Requests, r => Assert.StartsWith("AWS4-HMAC-SHA256 Credential=" + FakeBedrockUpstream.DefaultAccessKeyId + "/", r.Authorization));
        Assert.All(bedrock.Requests, r => Assert.NotNull(r.Header("x-amz-date")));
        Assert.Equal("""{"inputText":"one two","dimensions":256}""", bedrock.Requests[0].Body);
        Assert.Equal("""{"inputText":"three","dimensions":256}""", bedrock.Requests[1].Body);
        Assert.Equal(new TokenUsage(3, 0), result.Usage);
        Assert.Equal(256, result.Vectors[0].Length);
        Assert.Equal(FakeBedrockUpstream.TitanValue("three", 7), result.Vectors[1][7]);
        Assert.Equal("bedrock/amazon.titan-embed-text-v2:0", result.Model);
    }

    [Fact]
    public async Task A_wrong_secret_key_is_an_auth_failure_and_throttling_is_a_rate_limit()
    {
        await using var bedrock = await FakeBedrockUpstream.StartAsync();
        var adapter = _harness.Embeddings(BedrockTitanEmbeddingAdapter.ProtocolName);
        var request = new ProviderEmbeddingRequest("amazon.titan-embed-text-v2:0", ["x"], null, null);

        var refused = await Assert.ThrowsAsync<UpstreamException>(() => adapter.EmbedAsync(Bedrock(bedrock, "wRoNg/SeCrEt+0123456789abcdefGHIjklmnop"), request, CancellationToken.None));
        bedrock.Fail(429, "ThrottlingException", "Too many requests, please wait before trying again.");
        var throttled = await Assert.ThrowsAsync<UpstreamException>(() => adapter.EmbedAsync(Bedrock(bedrock), request, CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamAuth, refused.Kind);
        Assert.DoesNotContain("wRoNg", refused.Message);
        Assert.Equal(ErrorKind.UpstreamRateLimited, throttled.Kind);
    }

    private static ProviderTarget Google(FakeGeminiUpstream gemini) =>
        new("google", new Uri(gemini.BaseUrl), null, ProviderCredential.ForApiKey("cred-g", GoogleKey));

    private static ProviderTarget Bedrock(FakeBedrockUpstream bedrock, string? secret = null) =>
        new("bedrock", new Uri(bedrock.BaseUrl), FakeBedrockUpstream.DefaultRegion,
            ProviderCredential.ForAccessKeyPair("cred-b", bedrock.AccessKeyId, secret ?? bedrock.SecretAccessKey));
}
