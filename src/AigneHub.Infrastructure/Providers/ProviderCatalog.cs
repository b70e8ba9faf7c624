using AigneHub.Application.Models;
using AigneHub.Infrastructure.Providers.Demo;
using AigneHub.Infrastructure.Providers.Registered;

namespace AigneHub.Infrastructure.Providers;

/// <summary>
/// The providers a call can go to: those registered through the admin API (a snapshot kept current from their event
/// streams) and those from configuration (the demo, and keys given in settings). A registered provider takes the place
/// of a configured one of the same name, even while it is disabled or has no usable credential. Bare model names try registered providers (by their vendors' model naming)
/// first, then configured ones in registration order. Embedding and image calls follow the same rules among the
/// providers whose <see cref="MediaProfile"/> offers that call, through the same targets (for a registered provider,
/// the same credential rotation) as its chat calls.
/// </summary>
internal sealed class ProviderCatalog(
    IEnumerable<IChatProvider> configured,
    RegisteredProviders registered,
    MediaAdapterRegistry media,
    TimeProvider time,
    DemoMediaProvider? demoMedia = null) : IProviderCatalog
{
    private readonly IChatProvider[] _configured = configured.ToArray();

    // A call naming its provider looks it up by name: the other configured providers are not touched.
    private readonly Dictionary<string, IChatProvider[]> _configuredByName = configured
        .GroupBy(p => p.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    // The hub cannot know when a vendor released a model; the models list says since when this instance offers it.
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public IReadOnlyList<IChatProvider> Resolve(ModelName model)
    {
        var current = registered.Current;
        if (model.Provider is { } provider)
        {
            foreach (var candidate in current)
            {
                if (candidate.Name == provider)
                {
                    return [candidate];
                }
            }

            if (registered.IsRegistered(provider) || !_configuredByName.TryGetValue(provider, out var named))
            {
                return [];
            }

            return named is [var only] ? (only.Serves(model.Model) ? named : []) : Array.FindAll(named, p => p.Serves(model.Model));
        }

        var result = new List<IChatProvider>();
        result.AddRange(current.Where(p => p.ServesBare(model.Model)));
        result.AddRange(_configured.Where(p => p.Serves(model.Model) && !registered.IsRegistered(p.Name)));
        return result;
    }

    public IReadOnlyList<IEmbeddingProvider> ResolveEmbeddings(ModelName model) =>
        ResolveMedia<IEmbeddingProvider>(
            model,
            demo => demo.ServesEmbeddings(model.Model),
            provider => media.EmbeddingFor(provider) is { } adapter ? targets => new RoutedEmbeddingProvider(targets, adapter) : null);

    public IReadOnlyList<IImageProvider> ResolveImages(ModelName model) =>
        ResolveMedia<IImageProvider>(
            model,
            demo => demo.ServesImages(model.Model),
            provider => media.ImageFor(provider) is { } adapter ? targets => new RoutedImageProvider(targets, adapter) : null);

    public ProviderAvailability Availability(string provider) =>
        registered.Current.Any(p => p.Name == provider) ? ProviderAvailability.Ready
        : registered.IsRegistered(provider) ? ProviderAvailability.Unusable
        : _configured.Any(p => p.Name == provider) ? ProviderAvailability.Ready
        : ProviderAvailability.NotConfigured;

    /// <summary>
    /// The demo's models when it is on; for each routable registered provider, the vendor's known models
    /// (<see cref="MediaProfiles"/>); for each configured provider, its configured <c>Models</c>, or the known ones
    /// when it has none.
    /// </summary>
    public IReadOnlyList<ModelDescriptor> ListModels()
    {
        var models = new Dictionary<string, ModelDescriptor>(StringComparer.Ordinal);
        void Add(string provider, string model, ModelKind kind) =>
            models.TryAdd($"{provider}/{model}", new ModelDescriptor($"{provider}/{model}", provider, _started, kind));

        foreach (var provider in registered.Current)
        {
            foreach (var model in MediaProfiles.Find(provider.Name)?.KnownModels ?? [])
            {
                Add(provider.Name, model.Id, model.Kind);
            }
        }

        foreach (var provider in _configured.Where(p => !registered.IsRegistered(p.Name)))
        {
            switch (provider)
            {
                case DemoChatProvider:
                    Add(provider.Name, DemoChatProvider.EchoModel, ModelKind.Chat);
                    break;
                case RoutedChatProvider { Models.Count: > 0 } listed:
                    foreach (var model in listed.Models)
                    {
                        Add(provider.Name, model, MediaProfiles.KindOf(provider.Name, model));
                    }

                    break;
                default:
                    foreach (var model in MediaProfiles.Find(provider.Name)?.KnownModels ?? [])
                    {
                        Add(provider.Name, model.Id, model.Kind);
                    }

                    break;
            }
        }

        if (demoMedia is not null && !registered.IsRegistered(ProviderNames.Demo))
        {
            Add(demoMedia.Name, DemoMediaProvider.EmbeddingModel, ModelKind.Embedding);
            Add(demoMedia.Name, DemoMediaProvider.ImageModel, ModelKind.Image);
        }

        return models.Values.ToArray();
    }

    /// <param name="demoServes">Whether the demo provider serves the model for this call type.</param>
    /// <param name="routed">For a provider, how to call it for this call type through some targets; null when it does not offer it.</param>
    private List<TProvider> ResolveMedia<TProvider>(
        ModelName model,
        Func<DemoMediaProvider, bool> demoServes,
        Func<string, Func<ICallTargets, TProvider>?> routed)
        where TProvider : class
    {
        var result = new List<TProvider>();
        var current = registered.Current;
        if (model.Provider is { } provider)
        {
            if (current.FirstOrDefault(p => p.Name == provider) is { } registeredProvider)
            {
                AddRouted(registeredProvider.Targets);
                return result;
            }

            if (registered.IsRegistered(provider))
            {
                return result;
            }

            if (provider == ProviderNames.Demo && demoMedia is not null && demoServes(demoMedia))
            {
                result.Add((demoMedia as TProvider)!);
                return result;
            }

            foreach (var candidate in ConfiguredTargets().Where(p => p.Name == provider && p.Serves(model.Model)))
            {
                AddRouted(candidate.Targets);
            }

            return result;
        }

        foreach (var candidate in current.Where(p => p.ServesBare(model.Model)))
        {
            AddRouted(candidate.Targets);
        }

        if (demoMedia is not null && !registered.IsRegistered(ProviderNames.Demo) && demoServes(demoMedia))
        {
            result.Add((demoMedia as TProvider)!);
        }

        foreach (var candidate in ConfiguredTargets().Where(p => p.Serves(model.Model) && !registered.IsRegistered(p.Name)))
        {
            AddRouted(candidate.Targets);
        }

        return result;

        void AddRouted(ICallTargets targets)
        {
            if (routed(targets.Provider) is { } create)
            {
                result.Add(create(targets));
            }
        }
    }

    private IEnumerable<RoutedChatProvider> ConfiguredTargets() => _configured.OfType<RoutedChatProvider>();
}
