namespace AigneHub.Infrastructure.Providers.Anthropic;

internal static class AnthropicAdapterRegistration
{
    /// <summary>The Anthropic Messages adapter, its HTTP client, and its options (the shared limits, overridden by "Providers:Anthropic:Adapter").</summary>
    public static IServiceCollection AddAnthropicAdapter(this IServiceCollection services) =>
        services.AddChatAdapter<AnthropicMessagesAdapter, AnthropicAdapterOptions>(AnthropicMessagesAdapter.HttpClientName, AnthropicAdapterOptions.Section);
}
