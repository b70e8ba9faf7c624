using AigneHub.Application.Abstractions;
using AigneHub.Application.Errors;
using AigneHub.Application.Embeddings;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Media;
using AigneHub.Infrastructure.Providers.Registered;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AigneHub.UnitTests.Providers.Media;

/// <summary>Embedding calls of a registered provider rotate and fail over through the same credential rotation as its chat calls.</summary>
public sealed class MediaRoutingTests
{
    private static readonly Guid Refused = Guid.Parse("00000000-0000-0000-0000-0000000000a1");
    private static readonly Guid Good = Guid.Parse("00000000-0000-0000-0000-0000000000b2");

    private readonly ManualClock _time = new(DateTimeOffset.UnixEpoch);
    private readonly CredentialDisabler _disabler = new(new ServiceCollection().BuildServiceProvider(), NullLogger<CredentialDisabler>.Instance);

    [Fact]
    public async Task A_refused_credential_is_failed_over_and_left_out_of_the_next_call()
    {
        var adapter = new KeyedEmbeddingAdapter { Refuses = "key-refused" };
        var rotation = Rotation();
        var provider = new RoutedEmbeddingProvider(rotation, adapter);

        var (first, _) = await provider.EmbedAsync(Request, CancellationToken.None);
        var (second, _) = await provider.EmbedAsync(Request, CancellationToken.None);

        Assert.Equal(["key-refused", "key-good", "key-good"], adapter.Calls);
        Assert.Equal("openai/m", first.Model);
        Assert.Equal("openai/m", second.Model);
    }

    [Fact]
    public async Task A_chat_refusal_takes_the_credential_out_of_embedding_calls_too()
    {
        var health = new CredentialHealth(_time);
        var rotation = Rotation(health);
        health.Report(Refused.ToString(), ErrorKind.UpstreamAuth, null);
        var adapter = new KeyedEmbeddingAdapter();

        await new RoutedEmbeddingProvider(rotation, adapter).EmbedAsync(Request, CancellationToken.None);

        Assert.Equal(["key-good"], adapter.Calls);
    }

    [Fact]
    public async Task When_every_credential_is_refused_the_call_fails_as_an_auth_failure()
    {
        var adapter = new KeyedEmbeddingAdapter { Refuses = "*" };

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => new RoutedEmbeddingProvider(Rotation(), adapter).EmbedAsync(Request, CancellationToken.None));

        Assert.Equal(ErrorKind.UpstreamAuth, failure.Kind);
        Assert.Equal(2, adapter.Calls.Count);
    }

    private static ProviderEmbeddingRequest Request { get; } = new("m", ["x"], null, null);

    private CredentialRotation Rotation(CredentialHealth? health = null) => new(
        "openai",
        new Uri("http://127.0.0.1:1/v1"),
        null,
        [(ProviderCredential.ForApiKey(Refused.ToString(), "key-refused"), 1000), (ProviderCredential.ForApiKey(Good.ToString(), "key-good"), 1)],
        health ?? new CredentialHealth(_time),
        _disabler);

    private sealed class KeyedEmbeddingAdapter : IEmbeddingAdapter
    {
        public string? Refuses { get; init; }

        public List<string> Calls { get; } = [];

        public string Protocol => "keyed";

        public Task<EmbeddingResult> EmbedAsync(ProviderTarget target, ProviderEmbeddingRequest request, CancellationToken cancellationToken)
        {
            var key = target.Credential.ApiKey!;
            Calls.Add(key);
            return Refuses == "*" || Refuses == key
                ? Task.FromException<EmbeddingResult>(new UpstreamException(ErrorKind.UpstreamAuth, target.Provider, "refused", 401))
                : Task.FromResult(new EmbeddingResult($"{target.Provider}/{request.Model}", [[1f]], default));
        }
    }
}
