using System.Net;
using AigneHub.Application.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Google;

internal static class GeminiAdapterRegistration
{
    // A generateContent answer is a few KiB; this only stops a misbehaving upstream from filling memory.
    private const long MaxResponseBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Registers the Gemini adapter as an <see cref="IChatAdapter"/>, its validated <see cref="GeminiAdapterOptions"/>
    /// and its HTTP client.
    /// </summary>
    public static IServiceCollection AddGeminiAdapter(this IServiceCollection services)
    {
        services.AddOptions<GeminiAdapterOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeminiAdapterOptions>, GeminiAdapterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(GeminiAdapter.HttpClientName, static client =>
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

                // The key travels in x-goog-api-key, which HttpClient (unlike Authorization) would carry along a
                // redirect to whatever host the Location names. Gemini never redirects; a redirect is a failure.
                AllowAutoRedirect = false,

                // An answer abandoned mid-stream must close its connection at once: draining it for reuse would
                // let the upstream keep generating (and billing) tokens nobody reads.
                MaxResponseDrainSize = 0,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RedactLoggedHeaders(static _ => true);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, GeminiAdapter>());
        return services;
    }

    private sealed class GeminiAdapterOptionsValidator : IValidateOptions<GeminiAdapterOptions>
    {
        public ValidateOptionsResult Validate(string? name, GeminiAdapterOptions options)
        {
            var failures = options.Validate();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
