using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Configured;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Anthropic;

internal static class AnthropicAdapterRegistration
{
    /// <summary>
    /// Registers the Anthropic Messages adapter as an <see cref="IChatAdapter"/>, its HTTP client, and its options
    /// (bound from <see cref="AnthropicAdapterOptions.Section"/> of the host's configuration, validated at start-up).
    /// </summary>
    public static IServiceCollection AddAnthropicAdapter(this IServiceCollection services)
    {
        services.AddOptions<AnthropicAdapterOptions>().BindConfiguration(AnthropicAdapterOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnthropicAdapterOptions>, AnthropicAdapterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddAdapterHttpClient(AnthropicMessagesAdapter.HttpClientName);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, AnthropicMessagesAdapter>());
        return services;
    }
}
