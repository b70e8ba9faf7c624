using System.Net;
using AigneHub.Application.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.OpenAI;

internal static class OpenAIProviderRegistration
{
    // A chat completion is a few KiB; this only stops a misbehaving upstream from filling memory.
    private const long MaxResponseBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Binds and validates <see cref="OpenAIProviderOptions"/> (always, so a half-configured provider fails start-up)
    /// and, when the configuration enables the provider, registers its HTTP client and the provider itself.
    /// </summary>
    public static IServiceCollection AddOpenAIProvider(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(OpenAIProviderOptions.Section);
        services.AddOptions<OpenAIProviderOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenAIProviderOptions>, OpenAIProviderOptionsValidator>());

        var options = section.Get<OpenAIProviderOptions>() ?? new OpenAIProviderOptions();
        if (!options.IsEnabled)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(OpenAIChatProvider.HttpClientName, static client =>
            {
                // The provider enforces its own deadlines, to tell a timeout from the caller cancelling.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                // Recycled connections follow DNS changes, so the factory need not rotate handlers.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = DecompressionMethods.All,

                // An answer abandoned mid-stream must close its connection at once: draining it for reuse would
                // let the upstream keep generating (and billing) tokens nobody reads.
                MaxResponseDrainSize = 0,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(static _ => true);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatProvider, OpenAIChatProvider>());
        return services;
    }
}
