using AigneHub.Application.Abstractions;
using AigneHub.Application.Errors;
using AigneHub.Application.Embeddings.Commands.CreateEmbeddings;
using AigneHub.Application.Embeddings;
using AigneHub.Application.Images.Commands.DeleteExpiredImages;
using AigneHub.Application.Images.Commands.GenerateImages;
using AigneHub.Application.Images;
using AigneHub.Application.Images.Queries.GetStoredImage;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application.Media;

/// <summary>The embedding and image use cases through the real Mediator pipeline, over scripted providers.</summary>
public sealed class MediaPipelineTests : IDisposable
{
    private readonly ApplicationHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Embeddings_fail_over_to_the_next_provider_on_a_retryable_failure_and_record_the_one_that_answered()
    {
        _harness.Catalog.EmbeddingProviders.Add(new ScriptedEmbeddings("first") { FailWith = new UpstreamException(ErrorKind.UpstreamUnavailable, "first", "down") });
        _harness.Catalog.EmbeddingProviders.Add(new ScriptedEmbeddings("second"));

        var result = await _harness.Mediator.Send(new CreateEmbeddingsCommand("req-1", "text-embedding-3-small", ["a b c"], null, null));

        Assert.Equal("second/text-embedding-3-small", result.Model);
        var record = Assert.Single(_harness.Recorder.Records);
        Assert.Equal(CallType.Embedding, record.CallType);
        Assert.Equal("second", record.Provider);
        Assert.Equal("cred-second", record.CredentialId);
        Assert.Equal(3, record.PromptTokens);
        Assert.Equal(CallStatus.Succeeded, record.Status);
    }

    [Fact]
    public async Task A_rejected_embedding_request_is_not_retried_elsewhere_and_is_recorded_as_failed()
    {
        var second = new ScriptedEmbeddings("second");
        _harness.Catalog.EmbeddingProviders.Add(new ScriptedEmbeddings("first") { FailWith = new UpstreamException(ErrorKind.UpstreamRejected, "first", "bad input") });
        _harness.Catalog.EmbeddingProviders.Add(second);

        await Assert.ThrowsAsync<UpstreamException>(() => _harness.Mediator.Send(new CreateEmbeddingsCommand("req-2", "m", ["x"], null, null)).AsTask());

        Assert.Equal(0, second.Calls);
        Assert.Equal(ErrorKind.UpstreamRejected, Assert.Single(_harness.Recorder.Records).ErrorKind);
    }

    [Fact]
    public async Task An_embedding_model_nobody_serves_is_not_found_and_still_recorded()
    {
        await Assert.ThrowsAsync<ModelNotFoundException>(() => _harness.Mediator.Send(new CreateEmbeddingsCommand("req-3", "nobody/m", ["x"], null, null)).AsTask());

        Assert.Equal(ErrorKind.ModelNotFound, Assert.Single(_harness.Recorder.Records).ErrorKind);
    }

    [Theory]
    [InlineData(0, "input")]
    [InlineData(2049, "input")]
    public async Task Embedding_input_counts_outside_openais_limits_are_refused(int count, string field)
    {
        var inputs = Enumerable.Repeat("x", count).ToArray();

        var failure = await Assert.ThrowsAsync<RequestValidationException>(() => _harness.Mediator.Send(new CreateEmbeddingsCommand("r", "m", inputs, null, null)).AsTask());

        Assert.Equal(field, failure.Violations[0].Field);
        Assert.Empty(_harness.Recorder.Records);
    }

    [Fact]
    public async Task Images_asked_for_as_urls_are_stored_and_handed_out_by_id_and_the_record_counts_them()
    {
        _harness.Catalog.ImageProviders.Add(new ScriptedImages("painter"));

        var images = await _harness.Mediator.Send(new GenerateImagesCommand("req-4", "painter/m", "a cat", 3, null, null, null, GenerateImagesCommand.UrlFormat, null));

        Assert.Equal(3, images.Images.Count);
        Assert.All(images.Images, i => Assert.Null(i.Content));
        var stored = await _harness.Mediator.Send(new GetStoredImageQuery(images.Images[0].StoredImageId!.Value));
        Assert.Equal([1, 2, 3], stored.Content);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddHours(1), images.ExpiresAt);
        var record = Assert.Single(_harness.Recorder.Records);
        Assert.Equal(CallType.Image, record.CallType);
        Assert.Equal(3, record.Images);
    }

    [Fact]
    public async Task Images_that_cannot_be_stored_for_a_link_are_answered_inline_rather_than_lost_after_the_charge()
    {
        _harness.Catalog.ImageProviders.Add(new ScriptedImages("painter"));
        _harness.Images.FailWith = new InvalidOperationException("the image store is down");

        var images = await _harness.Mediator.Send(new GenerateImagesCommand("req-7", "painter/m", "a cat", 2, null, null, null, GenerateImagesCommand.UrlFormat, null));

        Assert.Equal(2, images.Images.Count);
        Assert.All(images.Images, i => Assert.Equal([1, 2, 3], i.Content));
        Assert.StartsWith("captured painter", Assert.Single(_harness.Billing.Settlements), StringComparison.Ordinal);
        Assert.Equal(CallStatus.Succeeded, Assert.Single(_harness.Recorder.Records).Status);
    }

    [Fact]
    public async Task Images_asked_for_as_base64_are_not_stored()
    {
        _harness.Catalog.ImageProviders.Add(new ScriptedImages("painter"));

        var images = await _harness.Mediator.Send(new GenerateImagesCommand("req-5", "painter/m", "a cat", 1, null, null, null, GenerateImagesCommand.Base64Format, null));

        Assert.Equal([1, 2, 3], images.Images.Single().Content);
        Assert.Empty(_harness.Images.Stored);
        Assert.Null(images.ExpiresAt);
    }

    [Fact]
    public async Task An_expired_image_is_not_served_and_the_clean_up_deletes_it()
    {
        _harness.Catalog.ImageProviders.Add(new ScriptedImages("painter"));
        var images = await _harness.Mediator.Send(new GenerateImagesCommand("req-6", "painter/m", "a cat", 1, null, null, null, GenerateImagesCommand.UrlFormat, null));
        _harness.Images.Now = DateTimeOffset.UnixEpoch.AddHours(2);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _harness.Mediator.Send(new GetStoredImageQuery(images.Images[0].StoredImageId!.Value)).AsTask());
        Assert.Equal(1, await _harness.Mediator.Send(new DeleteExpiredImagesCommand()));
        Assert.Empty(_harness.Images.Stored);
    }

    [Theory]
    [InlineData(11, "1024x1024", "url", "n")]
    [InlineData(1, "1024", "url", "size")]
    [InlineData(1, "1024x1024", "png", "response_format")]
    public async Task Image_requests_outside_the_rules_are_refused_naming_the_field(int n, string size, string format, string field)
    {
        var failure = await Assert.ThrowsAsync<RequestValidationException>(() =>
            _harness.Mediator.Send(new GenerateImagesCommand("r", "painter/m", "a cat", n, size, null, null, format, null)).AsTask());

        Assert.Equal(field, failure.Violations[0].Field);
    }

    private sealed class ScriptedEmbeddings(string name) : IEmbeddingProvider
    {
        public string Name => name;

        public Exception? FailWith { get; init; }

        public int Calls { get; private set; }

        public Task<Served<EmbeddingResult>> EmbedAsync(ProviderEmbeddingRequest request, CancellationToken cancellationToken)
        {
            Calls++;
            return FailWith is { } failure
                ? Task.FromException<Served<EmbeddingResult>>(failure)
                : Task.FromResult(new Served<EmbeddingResult>(
                    new EmbeddingResult($"{name}/{request.Model}", request.Inputs.Select(_ => new[] { 1f }).ToArray(), new TokenUsage(request.Inputs.Sum(i => i.Split(' ').Length), 0)),
                    "cred-" + name));
        }
    }

    private sealed class ScriptedImages(string name) : IImageProvider
    {
        public string Name => name;

        public Task<Served<ImageGenerationResult>> GenerateAsync(ProviderImageRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new Served<ImageGenerationResult>(
                new ImageGenerationResult(
                    $"{name}/{request.Model}",
                    DateTimeOffset.UnixEpoch,
                    Enumerable.Range(0, request.N).Select(_ => new GeneratedImage([1, 2, 3], "image/png", null, null)).ToArray(),
                    default),
                "cred-" + name));
    }
}
