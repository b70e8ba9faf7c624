using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Configured;
using AigneHub.Infrastructure.Providers.OpenAI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AigneHub.UnitTests.Providers.Configured;

/// <summary>The providers set up from configuration, registered as the hub registers them.</summary>
internal static class ConfiguredProvidersHost
{
    /// <param name="handler">Replaces the real HTTP handler of the OpenAI-protocol adapter: no network.</param>
    /// <param name="withAdapters">False leaves every protocol adapter out.</param>
    public static ServiceProvider Build(
        IReadOnlyDictionary<string, string?> settings,
        HttpMessageHandler? handler = null,
        bool withAdapters = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        if (withAdapters)
        {
            services.AddOpenAIChatAdapter(configuration);
        }

        services.AddConfiguredProviders(configuration);
        if (handler is not null)
        {
            services.AddHttpClient(OpenAIChatAdapter.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        }

        return services.BuildServiceProvider(validateScopes: true);
    }

    /// <summary>Runs the start-up validation (<c>ValidateOnStart</c>) as the host does.</summary>
    public static void ValidateOnStart(this IServiceProvider services) => services.GetRequiredService<IStartupValidator>().Validate();

    /// <summary>The start-up validation's failures; empty when start-up would succeed.</summary>
    public static IReadOnlyList<string> StartupFailures(this IServiceProvider services)
    {
        try
        {
            services.ValidateOnStart();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures.ToArray();
        }
        catch (AggregateException ex)
        {
            return ex.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures).ToArray();
        }
    }

    public static IChatProvider Provider(this IServiceProvider services, string name) =>
        services.GetServices<IChatProvider>().Single(p => p.Name == name);
}
