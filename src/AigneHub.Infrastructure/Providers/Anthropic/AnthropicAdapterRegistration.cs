using System.Net;
using AigneHub.Application.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Anthropic;

internal static class AnthropicAdapterRegistration
{
    // A Messages answer is a few KiB; this only stops a misbehaving upstream from filling memory.
    private const long MaxResponseBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Registers the Anthropic Messages adapter as an <see cref="IChatAdapter"/>, its HTTP client, and its options
    /// (bound from <see cref="AnthropicAdapterOptions.Section"/> of the host's configuration, validated at start-up).
    /// </summary>
    public static IServiceCollection AddAnthropicAdapter(this IServiceCollection services)
    {
        services.AddOptions<AnthropicAdapterOptions>().BindConfiguration(AnthropicAdapterOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AnthropicAdapterOptions>, AnthropicAdapterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(AnthropicMessagesAdapter.HttpClientName, static client =>
            {
                // The adapter enforces its own deadlines, to tell a timeout from the caller cancelling.
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

            // The x-api-key header is the secret: no logged header is worth the risk.
            .RedactLoggedHeaders(static _ => true);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, AnthropicMessagesAdapter>());
        return services;
    }
}
