using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Infrastructure.Providers.Bedrock;

internal static class BedrockAdapterRegistration
{
    /// <summary>
    /// Registers the Bedrock Converse adapter as an <see cref="IChatAdapter"/>, its HTTP client, and its options
    /// (the shared limits, overridden by <see cref="BedrockAdapterOptions.Section"/>; validated at start-up).
    /// </summary>
    public static IServiceCollection AddBedrockAdapter(this IServiceCollection services)
    {
        services.AddUpstreamLimits<BedrockAdapterOptions>(BedrockAdapterOptions.Section);
        services.AddAdapterHttpClient(BedrockConverseAdapter.HttpClientName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, BedrockConverseAdapter>());
        return services;
    }
}
