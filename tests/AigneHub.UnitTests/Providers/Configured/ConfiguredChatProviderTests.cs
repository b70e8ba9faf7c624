using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Domain.Usage;
using AigneHub.Infrastructure.Providers.Media;
using AigneHub.UnitTests.Providers.OpenAI;

namespace AigneHub.UnitTests.Providers.Configured;

public sealed class ConfiguredChatProviderTests
{
    private static readonly ProviderTarget Target =
        new("xai", new Uri("https://api.x.ai/v1"), null, ProviderCredential.ForApiKey("config:xai", "xai-key"));

    [Fact]
    public async Task Every_call_goes_to_the_adapter_with_the_fixed_target_and_comes_back_with_its_credential()
    {
        var adapter = new RecordingAdapter();
        var provider = RoutedChatProvider.Configured(adapter, Target, []);

        var completion = await provider.CompleteAsync(Requests.Hello("grok-4"), CancellationToken.None);
        var updates = await provider.StreamAsync(Requests.Hello("grok-3"), CancellationToken.None).ToListAsync();

        Assert.Equal("xai", provider.Name);
        Assert.Equal([(Target, "grok-4"), (Target, "grok-3")], adapter.Calls);
        Assert.Equal("config:xai", completion.CredentialId);
        Assert.All(updates, u => Assert.Equal("config:xai", u.CredentialId));
    }

    private sealed class RecordingAdapter : IChatAdapter
    {
        public List<(ProviderTarget Target, string Model)> Calls { get; } = [];

        public string Protocol => "test";

        public Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken)
        {
            Calls.Add((target, request.Model));
            return Task.FromResult(new ChatCompletion("id", DateTimeOffset.UnixEpoch, target.Provider + "/" + request.Model, "hi", "stop", new TokenUsage(1, 1), null));
        }

        public async IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(
            ProviderTarget target,
            ProviderChatRequest request,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Calls.Add((target, request.Model));
            await Task.Yield();
            yield return new ChatCompletionUpdate("id", DateTimeOffset.UnixEpoch, target.Provider + "/" + request.Model, "assistant", "hi", "stop", null, null);
        }
    }
}
