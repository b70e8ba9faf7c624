using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Infrastructure.Providers.Anthropic;

internal static class AnthropicAdapterRegistration
{
    /// <summary>
    /// Registers the Anthropic Messages adapter as an <see cref="IChatAdapter"/>, its HTTP client, and its options
    /// (the shared limits, overridden by <see cref="AnthropicAdapterOptions.Section"/> of the host's configuration; validated at start-up).
    /// </summary>
    public static IServiceCollection AddAnthropicAdapter(this IServiceCollection services)
    {
        services.AddUpstreamLimits<AnthropicAdapterOptions>(AnthropicAdapterOptions.Section);
        services.AddAdapterHttpClient(AnthropicMessagesAdapter.HttpClientName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, AnthropicMessagesAdapter>());
        return services;
    }
}
