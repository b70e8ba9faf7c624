using AigneHub.Application.Abstractions;
using AigneHub.Application.Access.RateLimits;
using AigneHub.Application.Chat.Commands.CreateChatCompletion;
using AigneHub.Application.Chat.Commands.StreamChatCompletion;
using AigneHub.Application.Chat;
using AigneHub.Application.Errors;
using AigneHub.Application.Embeddings.Commands.CreateEmbeddings;
using AigneHub.Application.Embeddings;
using AigneHub.Application.Images.Commands.GenerateImages;
using AigneHub.Application.Images;
using AigneHub.Domain.Access;
using AigneHub.Domain.Chat;
using AigneHub.Domain.Usage;

namespace AigneHub.UnitTests.Application.Access;

/// <summary>
/// The one admission every model call passes, through the real Mediator pipeline: chat (unary and streamed),
/// embeddings and images are refused by the same checks, in the same order, before any provider is called.
/// </summary>
public sealed class ModelCallAdmissionTests : IDisposable
{
    private static readonly ChatMessage[] Hello = [new(ChatRole.User, "hello")];

    private readonly ScriptedProvider _chat = new("openai");
    private readonly CountingEmbeddings _embeddings = new("openai");
    private readonly CountingImages _images = new("openai");
    private readonly ApplicationHarness _harness;

    public ModelCallAdmissionTests()
    {
        _harness = new ApplicationHarness(_chat);
        _harness.Catalog.EmbeddingProviders.Add(_embeddings);
        _harness.Catalog.ImageProviders.Add(_images);
    }

    public static TheoryData<string> CallTypes => new(["chat", "chat stream", "embeddings", "images"]);

    public void Dispose() => _harness.Dispose();

    [Theory]
    [MemberData(nameof(CallTypes))]
    public async Task A_model_outside_the_keys_allow_list_is_refused_naming_it_before_any_provider(string callType)
    {
        _harness.Callers.Current = SettableCaller.InferenceKey with { Models = ["demo/echo"] };

        var refusal = await Assert.ThrowsAsync<PermissionDeniedException>(() => CallAsync(callType, "openai/paid-model"));

        Assert.Equal("model", refusal.Field);
        Assert.Contains("'openai/paid-model'", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("demo/echo", refusal.Message, StringComparison.Ordinal);
        AssertNothingHappened();
    }

    [Theory]
    [MemberData(nameof(CallTypes))]
    public async Task A_model_the_allow_list_matches_is_admitted(string callType)
    {
        _harness.Callers.Current = SettableCaller.InferenceKey with { Models = ["openai/*"] };

        await CallAsync(callType, "openai/paid-model");

        Assert.Equal(1, _chat.Calls + _embeddings.Calls + _images.Calls);
    }

    [Theory]
    [MemberData(nameof(CallTypes))]
    public async Task A_call_over_the_rate_limit_is_refused_before_any_provider(string callType)
    {
        _harness.RateLimiter.Refuse = "this key's requests per minute (limit 2)";

        var refusal = await Assert.ThrowsAsync<RateLimitExceededException>(() => CallAsync(callType, "openai/m"));

        Assert.Contains("requests per minute", refusal.Message, StringComparison.Ordinal);
        AssertNothingHappened();
    }

    [Theory]
    [MemberData(nameof(CallTypes))]
    public async Task A_credential_without_the_inference_scope_is_refused(string callType)
    {
        _harness.Callers.Current = SettableCaller.InferenceKey with { Scopes = new HashSet<string> { KeyScopes.AdminRead } };

        var refusal = await Assert.ThrowsAsync<PermissionDeniedException>(() => CallAsync(callType, "openai/m"));

        Assert.Contains("'inference' scope", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(_harness.RateLimiter.Admitted);
        AssertNothingHappened();
    }

    [Theory]
    [MemberData(nameof(CallTypes))]
    public async Task A_call_nobody_authenticated_is_refused(string callType)
    {
        _harness.Callers.Current = null;

        await Assert.ThrowsAsync<UnauthenticatedException>(() => CallAsync(callType, "openai/m"));

        AssertNothingHappened();
    }

    [Fact]
    public async Task The_allow_list_is_checked_before_the_rate_limit_so_a_refused_model_uses_no_request()
    {
        _harness.Callers.Current = SettableCaller.InferenceKey with { Models = ["demo/*"] };

        await Assert.ThrowsAsync<PermissionDeniedException>(() => CallAsync("embeddings", "openai/m"));

        Assert.Empty(_harness.RateLimiter.Admitted);
    }

    [Fact]
    public async Task Each_call_type_is_counted_with_its_own_token_estimate_and_corrected_to_the_reported_usage()
    {
        await CallAsync("chat", "openai/m", maxTokens: 100);
        await CallAsync("chat stream", "openai/m", maxTokens: 100);
        await _harness.Mediator.Send(new CreateEmbeddingsCommand("e", "openai/m", [new string('x', 40), new string('y', 8)], null, null));
        await _harness.Mediator.Send(new GenerateImagesCommand("i", "openai/m", new string('z', 400), 3, null, null, null, "b64_json", null));

        // Chat: "hello" (2 tokens) + 4 for the message's framing + max_tokens; embeddings: 10 + 2; images: the prompt's 100.
        Assert.Equal([106, 106, 12, 100], _harness.RateLimiter.Admitted);

        // Each corrected to what its provider reported (chat 5+2 unary, 4+3 streamed; embeddings one per input word; images 7+0).
        Assert.Equal([7, 7, 2, 7], _harness.RateLimiter.Corrections);
    }

    [Fact]
    public async Task A_chat_call_asking_for_several_choices_is_estimated_once_per_choice()
    {
        await _harness.Mediator.Send(new CreateChatCompletionCommand("c", "openai/m", Hello, ChatSettings.Default with { MaxTokens = 10, N = 3 }));

        Assert.Equal([(6 + 10) * 3], _harness.RateLimiter.Admitted);
    }

    private void AssertNothingHappened()
    {
        Assert.Equal(0, _chat.Calls + _embeddings.Calls + _images.Calls);
        Assert.Empty(_harness.Recorder.Records);
        Assert.Empty(_harness.Billing.Settlements);
    }

    private async Task CallAsync(string callType, string model, int? maxTokens = null)
    {
        var settings = ChatSettings.Default with { MaxTokens = maxTokens };
        switch (callType)
        {
            case "chat":
                await _harness.Mediator.Send(new CreateChatCompletionCommand("c", model, Hello, settings));
                break;
            case "chat stream":
                await foreach (var _ in _harness.Mediator.CreateStream(new StreamChatCompletionCommand("s", model, Hello, settings)))
                {
                }

                break;
            case "embeddings":
                await _harness.Mediator.Send(new CreateEmbeddingsCommand("e", model, ["one two"], null, null));
                break;
            case "images":
                await _harness.Mediator.Send(new GenerateImagesCommand("i", model, "a lighthouse", 1, null, null, null, "b64_json", null));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(callType), callType, null);
        }
    }

    private sealed class CountingEmbeddings(string name) : IEmbeddingProvider
    {
        public string Name => name;

        public int Calls { get; private set; }

        public Task<Served<EmbeddingResult>> EmbedAsync(ProviderEmbeddingRequest request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new Served<EmbeddingResult>(
                new EmbeddingResult($"{name}/{request.Model}", request.Inputs.Select(_ => new[] { 1f }).ToArray(), new TokenUsage(request.Inputs.Count, 0)), null));
        }
    }

    private sealed class CountingImages(string name) : IImageProvider
    {
        public string Name => name;

        public int Calls { get; private set; }

        public Task<Served<ImageGenerationResult>> GenerateAsync(ProviderImageRequest request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new Served<ImageGenerationResult>(
                new ImageGenerationResult(
                    $"{name}/{request.Model}",
                    DateTimeOffset.UnixEpoch,
                    Enumerable.Range(0, request.N).Select(_ => new GeneratedImage([1, 2, 3], "image/png", null, null)).ToArray(),
                    new TokenUsage(7, 0)),
                null));
        }
    }
}
