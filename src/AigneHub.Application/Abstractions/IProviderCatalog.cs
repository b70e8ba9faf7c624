namespace AigneHub.Application.Abstractions;

/// <summary>The enabled providers, in routing priority order.</summary>
public interface IProviderCatalog
{
    /// <summary>
    /// The providers to try for a model, best first: the named provider when the name has a prefix, otherwise every
    /// provider that serves the bare name. Empty when none does.
    /// </summary>
    IReadOnlyList<IChatProvider> Resolve(ModelName model);

    /// <summary>
    /// Whether some provider would take a chat call for the model. For reads that only ask: they never hold a provider,
    /// so they are not model calls (the architecture tests tell the two apart by whether a handler uses a provider).
    /// </summary>
    bool Serves(ModelName model) => Resolve(model).Count > 0;

    /// <summary>The providers to try for an embedding model, best first, by the same rules as <see cref="Resolve"/>.</summary>
    IReadOnlyList<IEmbeddingProvider> ResolveEmbeddings(ModelName model);

    /// <summary>The providers to try for an image model, best first, by the same rules as <see cref="Resolve"/>.</summary>
    IReadOnlyList<IImageProvider> ResolveImages(ModelName model);

    /// <summary>The models the enabled providers offer, named "provider/model" (see docs/api.md for where each list comes from).</summary>
    IReadOnlyList<Models.ModelDescriptor> ListModels();

    /// <summary>Where a provider stands, so a refusal can say why: not set up at all, set up but unable to take calls, or ready.</summary>
    ProviderAvailability Availability(string provider);
}

public enum ProviderAvailability
{
    /// <summary>Neither registered nor configured.</summary>
    NotConfigured,

    /// <summary>Registered, but disabled or without a credential this instance can use.</summary>
    Unusable,

    /// <summary>Takes calls.</summary>
    Ready,
}
