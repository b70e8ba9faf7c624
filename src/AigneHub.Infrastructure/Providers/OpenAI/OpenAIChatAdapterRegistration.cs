using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Infrastructure.Providers.OpenAI;

internal static class OpenAIChatAdapterRegistration
{
    /// <summary>
    /// Registers the OpenAI Chat Completions adapter, its HTTP client, and the profiles of the providers that speak
    /// the protocol (<see cref="OpenAICompatibleProfiles"/>; OpenRouter's with the configured attribution headers).
    /// Which providers are called, and with which keys, is decided elsewhere (configuration, later the admin API).
    /// </summary>
    public static IServiceCollection AddOpenAIChatAdapter(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IChatAdapter) && d.ImplementationType == typeof(OpenAIChatAdapter)))
        {
            return services;
        }

        services.AddProviderHttpClient(configuration, OpenAIChatAdapter.HttpClientName);
        services.TryAddSingleton<ProviderProfiles>();

        services.AddOptions<OpenRouterAttributionOptions>().Bind(configuration.GetSection(OpenRouterAttributionOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OpenRouterAttributionOptions>, OpenRouterAttributionOptionsValidator>();
        foreach (var profile in OpenAICompatibleProfiles.All)
        {
            if (profile.Provider == ProviderNames.OpenRouter)
            {
                services.AddSingleton(sp => profile with
                {
                    Headers = sp.GetRequiredService<IOptions<OpenRouterAttributionOptions>>().Value.Headers(),
                });
            }
            else
            {
                services.AddSingleton(profile);
            }
        }

        services.AddSingleton<IChatAdapter, OpenAIChatAdapter>();
        return services;
    }
}
