using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AigneHub.Infrastructure.Providers.Http;

/// <summary>
/// What every provider adapter has in common: the shared limits, a protocol's overrides of them, the handler set-up of
/// its HTTP client and the one <see cref="UpstreamTransport"/> that sends through it.
/// </summary>
internal static class ProviderHttpRegistration
{
    // A chat completion is a few KiB; this only stops a misbehaving upstream from filling memory.
    private const long MaxResponseBytes = 16 * 1024 * 1024;

    /// <summary>Binds and validates <see cref="ProviderHttpOptions"/> once, however many adapters ask for them.</summary>
    public static IServiceCollection AddProviderHttpOptions(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<ProviderHttpOptions>)))
        {
            return services;
        }

        var legacy = configuration.GetSection(ProviderHttpOptions.LegacySection);
        services.AddOptions<ProviderHttpOptions>()
            .Configure(options => ApplyLegacyKeys(options, legacy)) // first, so the "Providers:Http" keys win
            .Bind(configuration.GetSection(ProviderHttpOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProviderHttpOptions>, UpstreamLimitsValidator<ProviderHttpOptions>>();
        return services;
    }

    /// <summary>
    /// A protocol's options: they start from the shared limits (<see cref="ProviderHttpOptions"/>, defaults when the
    /// host bound none), then take what <paramref name="section"/> sets, and are validated at start-up.
    /// </summary>
    public static OptionsBuilder<TOptions> AddUpstreamLimits<TOptions>(this IServiceCollection services, string? section)
        where TOptions : UpstreamLimits
    {
        var builder = services.AddOptions<TOptions>()
            .Configure<IOptions<ProviderHttpOptions>>(static (options, shared) => options.Inherit(shared.Value)); // first, so the section wins
        if (section is not null)
        {
            builder.BindConfiguration(section);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, UpstreamLimitsValidator<TOptions>>());
        return builder.ValidateOnStart();
    }

    /// <summary>
    /// A chat adapter as every protocol registers it: its limits (the shared ones, overridden by
    /// <paramref name="section"/> when it has one), its HTTP client, and the adapter, once however often it is asked for.
    /// </summary>
    public static IServiceCollection AddChatAdapter<TAdapter, TOptions>(this IServiceCollection services, string clientName, string? section)
        where TAdapter : class, Application.Abstractions.IChatAdapter
        where TOptions : UpstreamLimits
    {
        services.AddUpstreamLimits<TOptions>(section);
        services.AddAdapterHttpClient(clientName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Application.Abstractions.IChatAdapter, TAdapter>());
        return services;
    }

    /// <summary>
    /// Registers a named HTTP client for one adapter: no client-side timeout (the transport keeps its own deadlines),
    /// a bounded response buffer, no logging handlers (the transport logs the call), and connections that are closed,
    /// not drained, when an answer is abandoned.
    /// </summary>
    public static IHttpClientBuilder AddProviderHttpClient(this IServiceCollection services, IConfiguration configuration, string name)
    {
        services.AddProviderHttpOptions(configuration);
        return services.AddAdapterHttpClient(name);
    }

    /// <summary>The HTTP client set-up every adapter shares, whatever options it reads its deadlines from.</summary>
    public static IHttpClientBuilder AddAdapterHttpClient(this IServiceCollection services, string name)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<UpstreamTransport>();
        return services.AddHttpClient(name, static client =>
            {
                // The transport enforces its own deadlines, to tell a timeout from the caller cancelling.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.MaxResponseContentBufferSize = MaxResponseBytes;
            })
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                // Recycled connections follow DNS changes, so the factory need not rotate handlers.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = DecompressionMethods.All,

                // Keys travel in headers (x-api-key, x-goog-api-key) that HttpClient, unlike Authorization, would carry
                // along a redirect to whatever host the Location names. Provider APIs do not redirect; a redirect fails.
                AllowAutoRedirect = false,

                // An answer abandoned mid-stream must close its connection at once: draining it for reuse would
                // let the upstream keep generating (and billing) tokens nobody reads.
                MaxResponseDrainSize = 0,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The transport logs each upstream call itself (provider, model, credential id, outcome, timing); the
            // factory's two logging handlers would add a logging scope and two log checks per call on the hot path,
            // and log the upstream URL, headers and all, at Trace.
            .RemoveAllLoggers();
    }

    private static void ApplyLegacyKeys(ProviderHttpOptions options, IConfiguration legacy)
    {
        if (legacy.GetValue<int?>(nameof(ProviderHttpOptions.TimeoutSeconds)) is { } timeout)
        {
            options.TimeoutSeconds = timeout;
        }

        if (legacy.GetValue<int?>(nameof(ProviderHttpOptions.StreamIdleTimeoutSeconds)) is { } idle)
        {
            options.StreamIdleTimeoutSeconds = idle;
        }
    }
}
