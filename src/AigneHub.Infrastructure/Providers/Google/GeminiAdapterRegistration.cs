using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Infrastructure.Providers.Google;

internal static class GeminiAdapterRegistration
{
    /// <summary>
    /// Registers the Gemini adapter as an <see cref="IChatAdapter"/>, its validated <see cref="GeminiAdapterOptions"/>
    /// (the shared limits) and its HTTP client.
    /// </summary>
    public static IServiceCollection AddGeminiAdapter(this IServiceCollection services)
    {
        services.AddUpstreamLimits<GeminiAdapterOptions>(section: null);
        services.AddAdapterHttpClient(GeminiAdapter.HttpClientName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, GeminiAdapter>());
        return services;
    }
}
