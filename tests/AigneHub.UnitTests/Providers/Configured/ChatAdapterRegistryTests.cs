using AigneHub.Application.Abstractions;
using AigneHub.Application.Chat;
using AigneHub.Infrastructure.Providers.Configured;

namespace AigneHub.UnitTests.Providers.Configured;

public sealed class ChatAdapterRegistryTests
{
    private static readonly ProviderProfile Anthropic = new("anthropic", "anthropic-messages");
    private static readonly ProviderProfile DeepSeek = new("deepseek", "openai-chat");

    [Fact]
    public void Provider_is_served_by_the_adapter_of_its_profiles_protocol()
    {
        var openAI = new NamedAdapter("openai-chat");
        var anthropic = new NamedAdapter("anthropic-messages");
        var registry = new ChatAdapterRegistry([openAI, anthropic], new ProviderProfiles([Anthropic, DeepSeek]));

        Assert.Same(anthropic, registry.Resolve("anthropic"));
        Assert.Same(openAI, registry.Resolve("deepseek"));
    }

    [Fact]
    public void Provider_whose_protocol_has_no_adapter_cannot_be_resolved()
    {
        var registry = new ChatAdapterRegistry([new NamedAdapter("openai-chat")], new ProviderProfiles([Anthropic]));

        Assert.False(registry.CanResolve("anthropic"));
        var error = Assert.Throws<InvalidOperationException>(() => registry.Resolve("anthropic"));
        Assert.Contains("'anthropic-messages'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Provider_without_a_profile_cannot_be_resolved()
    {
        var registry = new ChatAdapterRegistry([new NamedAdapter("openai-chat")], new ProviderProfiles([]));

        Assert.False(registry.CanResolve("mystery"));
        Assert.Throws<InvalidOperationException>(() => registry.Resolve("mystery"));
    }

    [Fact]
    public void Two_adapters_for_one_protocol_are_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(
            () => new ChatAdapterRegistry([new NamedAdapter("openai-chat"), new NamedAdapter("openai-chat")], new ProviderProfiles([])));

        Assert.Contains("openai-chat", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Later_profile_for_a_provider_replaces_an_earlier_one()
    {
        var replacement = DeepSeek with { Headers = [new("X-Test", "1")] };

        var profiles = new ProviderProfiles([DeepSeek, replacement]);

        Assert.Same(replacement, profiles.Find("deepseek"));
        Assert.Null(profiles.Find("DeepSeek"));
    }

    private sealed class NamedAdapter(string protocol) : IChatAdapter
    {
        public string Protocol => protocol;

        public Task<ChatCompletion> CompleteAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<ChatCompletionUpdate> StreamAsync(ProviderTarget target, ProviderChatRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
