namespace AigneHub.Infrastructure.Providers.Media;

/// <summary>
/// Which embedding and image adapter speaks to which provider: the registered adapter whose protocol the provider's
/// <see cref="MediaProfile"/> names; null when the provider offers no such call or no adapter speaks its protocol.
/// </summary>
internal sealed class MediaAdapterRegistry
{
    private readonly Dictionary<string, IEmbeddingAdapter> _embeddings;
    private readonly Dictionary<string, IImageAdapter> _images;

    public MediaAdapterRegistry(IEnumerable<IEmbeddingAdapter> embeddings, IEnumerable<IImageAdapter> images)
    {
        _embeddings = embeddings.ToDictionary(a => a.Protocol, StringComparer.Ordinal);
        _images = images.ToDictionary(a => a.Protocol, StringComparer.Ordinal);
    }

    public IEmbeddingAdapter? EmbeddingFor(string provider) =>
        MediaProfiles.Find(provider)?.EmbeddingProtocol is { } protocol ? _embeddings.GetValueOrDefault(protocol) : null;

    public IImageAdapter? ImageFor(string provider) =>
        MediaProfiles.Find(provider)?.ImageProtocol is { } protocol ? _images.GetValueOrDefault(protocol) : null;
}
