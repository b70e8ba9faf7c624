using AigneHub.Infrastructure.Providers.OpenAI;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Infrastructure.Providers.Configured;

internal static class ConfiguredProviderRegistration
{
    /// <summary>
    /// The providers that configuration can set up, in routing priority order for bare model names. Another protocol's
    /// providers join by adding their definitions here, once their adapter and profiles are registered.
    /// </summary>
    public static IReadOnlyList<ConfiguredProviderDefinition> Definitions { get; } =
    [
        new("OpenAI", OpenAICompatibleProfiles.OpenAI),
        new("DeepSeek", OpenAICompatibleProfiles.DeepSeek),
        new("OpenRouter", OpenAICompatibleProfiles.OpenRouter),
        new("XAI", OpenAICompatibleProfiles.XAI),
        new("Doubao", OpenAICompatibleProfiles.Doubao),
        new("Poe", OpenAICompatibleProfiles.Poe),
        new("Ollama", OpenAICompatibleProfiles.Ollama),
    ];

    /// <summary>
    /// Binds and validates every provider's section (always, so a half-configured provider fails start-up) and
    /// registers, in <see cref="Definitions"/> order, a <see cref="Media.RoutedChatProvider"/> for each one the
    /// configuration enables. The adapters and profiles come from their own registrations
    /// (<see cref="OpenAIChatAdapterRegistration.AddOpenAIChatAdapter"/>).
    /// </summary>
    public static IServiceCollection AddConfiguredProviders(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(ChatAdapterRegistry)))
        {
            return services;
        }

        services.TryAddSingleton<ProviderProfiles>();
        services.AddSingleton<ChatAdapterRegistry>();
        services.AddSingleton<IProviderProbes, ProbeRegistry>();
        services.AddSingleton<IValidateOptions<ConfiguredProviderOptions>>(new ConfiguredProviderOptionsValidator(Definitions));

        foreach (var definition in Definitions)
        {
            var section = configuration.GetSection(definition.Section);
            var enabled = (section.Get<ConfiguredProviderOptions>() ?? new ConfiguredProviderOptions()).IsEnabled(definition.Profile);
            var builder = services.AddOptions<ConfiguredProviderOptions>(definition.Provider).Bind(section).ValidateOnStart();
            if (!enabled)
            {
                continue;
            }

            // A provider whose protocol has no adapter fails start-up, not its first call.
            builder.Validate<ChatAdapterRegistry>(
                (_, adapters) => adapters.CanResolve(definition.Provider),
                $"{definition.Section} is enabled, but no chat adapter for its protocol '{definition.Profile.Protocol}' is registered.");
            services.AddSingleton<IChatProvider>(sp => Create(sp, definition));
        }

        return services;
    }

    private static Media.RoutedChatProvider Create(IServiceProvider services, ConfiguredProviderDefinition definition)
    {
        // Getting the named options validates them, so an unusable section throws here with every problem listed.
        var options = services.GetRequiredService<IOptionsMonitor<ConfiguredProviderOptions>>().Get(definition.Provider);
        var baseUrl = options.ResolveBaseUrl(definition.Profile)
            ?? throw new InvalidOperationException($"{definition.Section}:BaseUrl must be an absolute http or https URL.");
        var credential = ProviderCredential.ForApiKey(definition.CredentialId, options.ApiKey ?? string.Empty);
        var target = new ProviderTarget(definition.Provider, baseUrl, Region: null, credential);
        var adapter = services.GetRequiredService<ChatAdapterRegistry>().Resolve(definition.Provider);
        return Media.RoutedChatProvider.Configured(adapter, target, options.Models);
    }
}
