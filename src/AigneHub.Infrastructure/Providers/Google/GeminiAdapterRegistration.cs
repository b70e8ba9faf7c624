namespace AigneHub.Infrastructure.Providers.Google;

internal static class GeminiAdapterRegistration
{
    /// <summary>The Gemini adapter, its HTTP client, and its options (the shared limits).</summary>
    public static IServiceCollection AddGeminiAdapter(this IServiceCollection services) =>
        services.AddChatAdapter<GeminiAdapter, GeminiAdapterOptions>(GeminiAdapter.HttpClientName, section: null);
}
