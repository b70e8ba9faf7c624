using AigneHub.Application.Abstractions;
using AigneHub.Infrastructure.Providers.Media;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AigneHub.UnitTests.Providers.Media;

/// <summary>The embedding and image adapters as the hub registers them (real HTTP client), for tests against the fake upstreams.</summary>
internal sealed class MediaAdapterHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private MediaAdapterHarness(ServiceProvider services) => _services = services;

    /// <param name="settings">Configuration keys, e.g. "Providers:Http:TimeoutSeconds".</param>
    public static MediaAdapterHarness Create(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>()).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddMediaProviders(configuration, demoEnabled: false);
        return new MediaAdapterHarness(services.BuildServiceProvider(validateScopes: true));
    }

    public IEmbeddingAdapter Embeddings(string protocol) => _services.GetServices<IEmbeddingAdapter>().Single(a => a.Protocol == protocol);

    public IImageAdapter Images(string protocol) => _services.GetServices<IImageAdapter>().Single(a => a.Protocol == protocol);

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
