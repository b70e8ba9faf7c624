using AigneHub.Infrastructure.Images;
using AigneHub.Infrastructure.Providers.Bedrock;
using AigneHub.Infrastructure.Providers.Demo;
using AigneHub.Infrastructure.Providers.Google;
using AigneHub.Infrastructure.Providers.OpenAI;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Infrastructure.Providers.Media;

internal static class MediaProviderRegistration
{
    /// <summary>
    /// Embeddings and image generation: the adapters of every media protocol, their shared HTTP client, the
    /// registry that maps a provider to them (<see cref="MediaProfiles"/>), the demo's media models when the demo is
    /// on, and the store for images served by URL (options "Images", validated at start-up).
    /// </summary>
    public static IServiceCollection AddMediaProviders(this IServiceCollection services, IConfiguration configuration, bool demoEnabled)
    {
        services.AddProviderHttpOptions(configuration);
        services.AddAdapterHttpClient(UpstreamTransport.MediaClientName)
            .ConfigureHttpClient(client => client.MaxResponseContentBufferSize = UpstreamTransport.MaxMediaResponseBytes);
        services.TryAddSingleton<ProviderProfiles>();

        services.AddSingleton<IEmbeddingAdapter, OpenAIEmbeddingAdapter>();
        services.AddSingleton<IEmbeddingAdapter, GeminiEmbeddingAdapter>();
        services.AddSingleton<IEmbeddingAdapter, BedrockTitanEmbeddingAdapter>();
        services.AddSingleton<IImageAdapter, OpenAIImageAdapter>();
        services.AddSingleton<IImageAdapter, GeminiImagenAdapter>();
        services.AddSingleton<MediaAdapterRegistry>();

        if (demoEnabled)
        {
            services.AddSingleton<DemoMediaProvider>();
        }

        services.AddOptions<ImageStorageOptions>()
            .Bind(configuration.GetSection(ImageStorageOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IImageStore, MartenImageStore>();
        return services;
    }
}
