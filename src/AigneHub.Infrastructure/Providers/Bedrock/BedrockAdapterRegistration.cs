using System.Net;
using AigneHub.Application.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AigneHub.Infrastructure.Providers.Bedrock;

internal static class BedrockAdapterRegistration
{
    // A Converse answer is a few KiB; this only stops a misbehaving upstream from filling memory.
    private const long MaxResponseBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Registers the Bedrock Converse adapter as an <see cref="IChatAdapter"/>, its HTTP client, and its options
    /// (bound from <see cref="BedrockAdapterOptions.Section"/>, validated at start-up).
    /// </summary>
    public static IServiceCollection AddBedrockAdapter(this IServiceCollection services)
    {
        services.AddOptions<BedrockAdapterOptions>().BindConfiguration(BedrockAdapterOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BedrockAdapterOptions>, BedrockAdapterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(BedrockConverseAdapter.HttpClientName, static client =>
            {
                // The adapter enforces its own deadlines, to tell a timeout from the caller cancelling.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = DecompressionMethods.All,

                // An answer abandoned mid-stream must close its connection at once: draining it for reuse would
                // let the upstream keep generating (and billing) tokens nobody reads.
                MaxResponseDrainSize = 0,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)

            // The Authorization header carries a signature made with the secret: no logged header is worth the risk.
            .RedactLoggedHeaders(static _ => true);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IChatAdapter, BedrockConverseAdapter>());
        return services;
    }
}

/// <summary>Start-up validation of <see cref="BedrockAdapterOptions"/>, reporting every problem at once.</summary>
internal sealed class BedrockAdapterOptionsValidator : IValidateOptions<BedrockAdapterOptions>
{
    public ValidateOptionsResult Validate(string? name, BedrockAdapterOptions options)
    {
        var failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
