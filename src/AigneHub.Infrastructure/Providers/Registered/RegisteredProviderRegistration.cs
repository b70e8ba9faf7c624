using AigneHub.Infrastructure.Providers.Anthropic;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.Infrastructure.Providers.Google;

namespace AigneHub.Infrastructure.Providers.Registered;

internal static class RegisteredProviderRegistration
{
    /// <summary>
    /// Routing to providers registered through the admin API: their snapshot, credential health, and the adapters of
    /// the protocols that only registered providers use so far (Anthropic Messages, Gemini, Bedrock Converse).
    /// </summary>
    public static IServiceCollection AddRegisteredProviders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAnthropicAdapter();
        services.AddSingleton(new ProviderProfile(ProviderNames.Anthropic, AnthropicMessagesAdapter.ProtocolName)
        {
            DefaultBaseUrl = new Uri(AnthropicAdapterOptions.DefaultBaseUrl),
        });
        services.AddGeminiAdapter();
        services.AddSingleton(new ProviderProfile(ProviderNames.Google, GeminiAdapter.ProtocolName)
        {
            DefaultBaseUrl = new Uri(GeminiAdapterOptions.DefaultBaseUrl),
        });

        // Bedrock has one endpoint per region: without a configured base URL it is derived from the region.
        services.AddBedrockAdapter();
        services.AddSingleton(new ProviderProfile(ProviderNames.Bedrock, BedrockConverseAdapter.ProtocolName) 
        {
            RegionalBaseUrl = region => BedrockEndpoint.DefaultFor(ProviderNames.Bedrock, region),
        });

        services.AddOptions<RegisteredProviderOptions>()
            .Bind(configuration.GetSection(RegisteredProviderOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<CredentialHealth>();
        services.AddSingleton<CredentialDisabler>();
        services.AddHostedService(sp => sp.GetRequiredService<CredentialDisabler>());
        services.AddSingleton<RegisteredProviders>();
        services.AddHostedService(sp => sp.GetRequiredService<RegisteredProviders>());
        return services;
    }
}
