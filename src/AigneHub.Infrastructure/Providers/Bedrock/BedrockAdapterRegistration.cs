namespace AigneHub.Infrastructure.Providers.Bedrock;

internal static class BedrockAdapterRegistration
{
    /// <summary>The Bedrock Converse adapter, its HTTP client, and its options (the shared limits, overridden by "Providers:Bedrock:Adapter").</summary>
    public static IServiceCollection AddBedrockAdapter(this IServiceCollection services) =>
        services.AddChatAdapter<BedrockConverseAdapter, BedrockAdapterOptions>(BedrockConverseAdapter.HttpClientName, BedrockAdapterOptions.Section);
}
