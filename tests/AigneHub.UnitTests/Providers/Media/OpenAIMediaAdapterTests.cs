using AigneHub.Application.Abstractions;
using AigneHub.Application.Errors;
using AigneHub.Application.Embeddings;
using AigneHub.Application.Images;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.OpenAI;
using AigneHub.TestUpstreams;

namespace AigneHub.UnitTests.Providers.Media;

/// <summary>The OpenAI embeddings and images protocol against a fake that answers as OpenAI documents.</summary>
public sealed class OpenAIMediaAdapterTests : IAsyncLifetime
{
    private const string ApiKey = "sk-test-media-Zq81bV3mN5kP0aR7wT2yC6dE4";

    private FakeOpenAIUpstream _upstream = null!;
    private MediaAdapterHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAIUpstream.StartAsync();
        _harness = MediaAdapterHarness.Create();
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task Embeddings_are_asked_for_as_openai_documents_and_returned_in_input_order()
    {
        var request = new ProviderEmbeddingRequest("text-embedding-3-small", ["first text", "the second"], 3, "user-7");

        var result = await Embeddings().EmbedAsync(Target(), request, CancellationToken.None);

        var sent = _upstream.LastRequest;
        Assert.Equal("POST", sent.Method);
        Assert.Equal("/v1/embeddings", sent.Path);
        Assert.Equal("Bearer " + ApiKey, sent.Authorization);
        Assert.Equal(
            """{"model":"text-embedding-3-small","input":["first text","the second"],"encoding_format":"float","dimensions":3,"user":"user-7"}""",
            sent.Body);
        Assert.Equal("openai/text-embedding-3-small", result.Model);
        Assert.Equal(new TokenUsage(4, 0), result.Usage);
        Assert.Equal(Enumerable.Range(0, 3).Select(p => FakeOpenAIUpstream.EmbeddingValue("first text", p)), result.Vectors[0]);
        Assert.Equal(Enumerable.Range(0, 3).Select(p => FakeOpenAIUpstream.EmbeddingValue("the second", p)), result.Vectors[1]);
    }

    [Fact]
    public async Task A_provider_without_a_key_is_called_without_authorization()
    {
        var target = new ProviderTarget("ollama", new Uri(_upstream.BaseUrl), null, ProviderCredential.ForApiKey("ollama", string.Empty));

        await Embeddings().EmbedAsync(target, new ProviderEmbeddingRequest("nomic-embed-text", ["x"], null, null), CancellationToken.None);

        Assert.Null(_upstream.LastRequest.Authorization);
    }

    [Fact]
    public async Task A_refused_key_is_an_auth_failure_whose_message_never_holds_the_key()
    {
        _upstream.RequiredApiKey = "sk-test-other-key-0000000000000000";

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Embeddings().EmbedAsync(Target(), Hello(), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamAuth, failure.Kind);
        Assert.Equal(401, failure.UpstreamStatus);
        Assert.DoesNotContain(ApiKey, failure.Message);
    }

    [Fact]
    public async Task A_rate_limit_carries_the_upstreams_retry_after()
    {
        _upstream.Fail(429, retryAfter: TimeSpan.FromSeconds(12));

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Embeddings().EmbedAsync(Target(), Hello(), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamRateLimited, failure.Kind);
        Assert.Equal(TimeSpan.FromSeconds(12), failure.RetryAfter);
    }

    [Theory]
    [InlineData("""{"object":"list","data":[{"index":0,"embedding":[0.1]}],"model":"m"}""")] // one vector for two inputs
    [InlineData("""{"object":"list","data":[{"index":5,"embedding":[0.1]},{"index":0,"embedding":[0.2]}]}""")]
    [InlineData("{not json")]
    public async Task An_answer_the_hub_cannot_read_is_the_provider_being_unavailable(string body)
    {
        _upstream.RespondRaw(200, "application/json", body);

        var failure = await Assert.ThrowsAsync<UpstreamException>(() =>
            Embeddings().EmbedAsync(Target(), new ProviderEmbeddingRequest("m", ["a", "b"], null, null), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamUnavailable, failure.Kind);
    }

    [Fact]
    public async Task An_upstream_that_does_not_answer_in_time_is_a_timeout_not_a_cancellation()
    {
        _upstream.Hang();
        await using var impatient = MediaAdapterHarness.Create(new Dictionary<string, string?> { ["Providers:Http:TimeoutSeconds"] = "1" });

        var failure = await Assert.ThrowsAsync<UpstreamException>(() =>
            impatient.Embeddings(OpenAIEmbeddingAdapter.ProtocolName).EmbedAsync(Target(), Hello(), CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamTimeout, failure.Kind);
    }

    [Fact]
    public async Task Images_are_asked_for_as_base64_and_come_back_as_bytes_with_the_revised_prompt()
    {
        var request = new ProviderImageRequest("dall-e-3", "a fox", 1, "1792x1024", "hd", "vivid", null);

        var result = await Images().GenerateAsync(Target(), request, CancellationToken.None);

        Assert.Equal("/v1/images/generations", _upstream.LastRequest.Path);
        Assert.Equal(
            """{"model":"dall-e-3","prompt":"a fox","n":1,"size":"1792x1024","quality":"hd","style":"vivid","response_format":"b64_json"}""",
            _upstream.LastRequest.Body);
        var image = Assert.Single(result.Images);
        Assert.Equal(Convert.FromBase64String(FakeOpenAIUpstream.OnePixelPng), image.Content);
        Assert.Equal("image/png", image.MediaType);
        Assert.Equal("A detailed rendering of a fox", image.RevisedPrompt);
        Assert.Equal("openai/dall-e-3", result.Model);
    }

    [Fact]
    public async Task Gpt_image_models_report_their_tokens_and_are_not_sent_a_response_format()
    {
        var result = await Images().GenerateAsync(Target(), new ProviderImageRequest("gpt-image-1", "three word prompt", 2, null, "high", null, null), CancellationToken.None);

        Assert.DoesNotContain("response_format", _upstream.LastRequest.Body);
        Assert.Equal(2, result.Images.Count);
        Assert.Equal(new TokenUsage(3, 544), result.Usage);
    }

    private static ProviderEmbeddingRequest Hello() => new("text-embedding-3-small", ["hello"], null, null);

    private IEmbeddingAdapter Embeddings() => _harness.Embeddings(OpenAIEmbeddingAdapter.ProtocolName);

    private IImageAdapter Images() => _harness.Images(OpenAIImageAdapter.ProtocolName);

    private ProviderTarget Target() => new("openai", new Uri(_upstream.BaseUrl), null, ProviderCredential.ForApiKey("cred-1", ApiKey));
}
